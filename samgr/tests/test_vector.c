/* Vector (reference 3.2): reuse only when full, highest hole first; Swap(NULL) fre++ always. */
#include <stdint.h>

#include "common.h"
#include "samgr_test.h"

typedef struct Named {
    const char *name;
} Named;

static void *NameKey(const void *element)
{
    return (void *)((const Named *)element)->name;
}

static int CompareName(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void TestNullArguments(void)
{
    int x = 1;
    CHECK_EQ(VECTOR_Add(NULL, &x), INVALID_INDEX);
    Vector v = VECTOR_Make(NULL, NULL);
    CHECK_EQ(VECTOR_Add(&v, NULL), INVALID_INDEX);
    CHECK(VECTOR_At(NULL, 0) == NULL);
    CHECK(VECTOR_Swap(NULL, 0, &x) == NULL);
    CHECK_EQ(VECTOR_Size(NULL), -1);
    CHECK_EQ(VECTOR_Num(NULL), -1);
    CHECK_EQ(VECTOR_Find(NULL, &x), INVALID_INDEX);
    CHECK_EQ(VECTOR_FindByKey(NULL, &x), INVALID_INDEX);
    CHECK_EQ(VECTOR_FindByKey(&v, NULL), INVALID_INDEX);
    VECTOR_Clear(NULL);
    /* a fresh vector allocates nothing */
    CHECK(v.data == NULL);
    CHECK_EQ(v.max, 0);
    CHECK_EQ(v.top, 0);
    CHECK_EQ(v.fre, 0);
    CHECK_EQ(VECTOR_Size(&v), 0);
    CHECK(VECTOR_At(&v, 0) == NULL);
    CHECK(VECTOR_At(&v, -1) == NULL);
}

static void TestGrowAndReuseOnlyWhenFull(void)
{
    int items[16];
    Vector v = VECTOR_Make(NULL, NULL);
    for (int i = 0; i < 3; ++i) {
        CHECK_EQ(VECTOR_Add(&v, &items[i]), i);
    }
    CHECK_EQ(v.max, 4);   /* GROW_STEP 4 */
    /* delete index 1: a hole, but the array is not full, so the next Add appends */
    CHECK(VECTOR_Swap(&v, 1, NULL) == &items[1]);
    CHECK_EQ(v.fre, 1);
    CHECK_EQ(VECTOR_Num(&v), 2);
    CHECK_EQ(VECTOR_Size(&v), 3);
    CHECK(VECTOR_At(&v, 1) == NULL);
    CHECK_EQ(VECTOR_Add(&v, &items[3]), 3);
    CHECK_EQ(v.max, 4);
    /* now full: the hole at 1 is reused and fre goes down */
    CHECK_EQ(VECTOR_Add(&v, &items[4]), 1);
    CHECK_EQ(v.fre, 0);
    CHECK_EQ(v.max, 4);
    /* full and no hole: grows by 4 */
    CHECK_EQ(VECTOR_Add(&v, &items[5]), 4);
    CHECK_EQ(v.max, 8);
    CHECK(VECTOR_At(&v, 0) == &items[0]);
    CHECK(VECTOR_At(&v, 1) == &items[4]);
    CHECK(VECTOR_At(&v, 4) == &items[5]);
    CHECK(VECTOR_At(&v, 5) == NULL);   /* beyond top */

    /* fill to 8, make holes at 2 and 6: reuse picks the highest first */
    CHECK_EQ(VECTOR_Add(&v, &items[6]), 5);
    CHECK_EQ(VECTOR_Add(&v, &items[7]), 6);
    CHECK_EQ(VECTOR_Add(&v, &items[8]), 7);
    VECTOR_Swap(&v, 2, NULL);
    VECTOR_Swap(&v, 6, NULL);
    CHECK_EQ(VECTOR_Add(&v, &items[9]), 6);
    CHECK_EQ(VECTOR_Add(&v, &items[10]), 2);
    CHECK_EQ(VECTOR_Add(&v, &items[11]), 8);
    CHECK_EQ(v.max, 12);
    VECTOR_Clear(&v);
    CHECK(v.data == NULL);
    CHECK_EQ(v.max, 0);
    CHECK_EQ(v.top, 0);
    CHECK_EQ(v.fre, 0);
}

static void TestSwapAccounting(void)
{
    int a, b;
    Vector v = VECTOR_Make(NULL, NULL);
    VECTOR_Add(&v, &a);
    VECTOR_Add(&v, &b);
    /* out of range: NULL, no accounting */
    CHECK(VECTOR_Swap(&v, 2, NULL) == NULL);
    CHECK(VECTOR_Swap(&v, -1, NULL) == NULL);
    CHECK_EQ(v.fre, 0);
    /* Swap(NULL) counts a hole even when the slot is already empty (quirk) */
    CHECK(VECTOR_Swap(&v, 0, NULL) == &a);
    CHECK_EQ(v.fre, 1);
    CHECK(VECTOR_Swap(&v, 0, NULL) == NULL);
    CHECK_EQ(v.fre, 2);
    CHECK_EQ(VECTOR_Num(&v), 0);
    /* swapping an element into a hole does not decrement fre */
    CHECK(VECTOR_Swap(&v, 0, &b) == NULL);
    CHECK_EQ(v.fre, 2);
    CHECK(VECTOR_Swap(&v, 1, &a) == &b);
    CHECK(VECTOR_At(&v, 1) == &a);
    VECTOR_Clear(&v);
}

static void TestFind(void)
{
    Named one = {"one"}, two = {"two"}, three = {"three"};
    Vector v = VECTOR_Make(NameKey, CompareName);
    CHECK_EQ(VECTOR_Add(&v, &one), 0);
    CHECK_EQ(VECTOR_Add(&v, &two), 1);
    CHECK_EQ(VECTOR_Add(&v, &three), 2);
    char key[8];
    strcpy(key, "two");                 /* a different pointer: compare() matches */
    CHECK_EQ(VECTOR_FindByKey(&v, key), 1);
    CHECK_EQ(VECTOR_Find(&v, &three), 2);
    CHECK_EQ(VECTOR_FindByKey(&v, "four"), INVALID_INDEX);
    VECTOR_Swap(&v, 1, NULL);
    CHECK_EQ(VECTOR_FindByKey(&v, key), INVALID_INDEX);   /* holes are skipped */
    VECTOR_Clear(&v);

    /* no key, no compare: pointer identity */
    int x, y;
    Vector p = VECTOR_Make(NULL, NULL);
    VECTOR_Add(&p, &x);
    VECTOR_Add(&p, &y);
    CHECK_EQ(VECTOR_Find(&p, &y), 1);
    CHECK_EQ(VECTOR_FindByKey(&p, &x), 0);
    int z;
    CHECK_EQ(VECTOR_Find(&p, &z), INVALID_INDEX);
    VECTOR_Clear(&p);
}

static void TestInt16Limit(void)
{
    /* fill until Add fails: capacity is bounded by int16 (32764 with GROW_STEP 4) */
    static char dummy;
    Vector v = VECTOR_Make(NULL, NULL);
    int16 last = 0;
    int count = 0;
    for (;;) {
        int16 idx = VECTOR_Add(&v, &dummy);
        if (idx == INVALID_INDEX) {
            break;
        }
        last = idx;
        count++;
        CHECK(count <= INT16_MAX);
    }
    CHECK_EQ(last, count - 1);
    CHECK(count >= 32760);
    CHECK_EQ(VECTOR_Size(&v), count);
    /* full at the limit: a hole is still reused */
    VECTOR_Swap(&v, 100, NULL);
    CHECK_EQ(VECTOR_Add(&v, &dummy), 100);
    VECTOR_Clear(&v);
}

int main(void)
{
    TestNullArguments();
    TestGrowAndReuseOnlyWhenFull();
    TestSwapAccounting();
    TestFind();
    TestInt16Limit();
    printf("test_vector: ok\n");
    return 0;
}
