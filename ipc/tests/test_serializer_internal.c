#include "serializer.h"
int main(void) { return 0; }
