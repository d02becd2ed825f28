/*
 * test_preload - runs an unchanged program under LD_PRELOAD=libliteipc_preload.so.
 *
 *   test_preload liteos   starts a private broker and runs liteos_prog (a
 *                         LiteOS-A driver program: CMS, service, clients doing
 *                         10 000 sync calls, fork) with LD_PRELOAD and
 *                         LITEIPC_SOCKET set; expects exit code 0.  Also
 *                         checks that without the preload the same program
 *                         cannot open the device (exit code 2).
 *   test_preload fileio   runs fileio_prog (ordinary file I/O, no LiteIPC)
 *                         under the preload, with no broker at all.
 *   test_preload devfd    runs devfd_prog (device descriptors through dup*,
 *                         close_range, threads, fork) under the preload and
 *                         under its 64-descriptor-bitmap variant.
 *
 * The program runs in its own process group, which is killed on timeout so
 * that nothing outlives the test.  Exit code 77 = skipped.
 */
#include "lipc_test.h"

#include <fcntl.h>

extern char **environ;

#define TIMEOUT_MS 150000

/* Runs prog with environ plus the given extra variables (NAME=value, they
 * replace existing ones).  Returns the exit code (128+sig if killed). */
static int run(const char *prog, const char *const *extra, int nextra)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **envp = calloc(n + (size_t)nextra + 1, sizeof(char *));
    CHECK(envp != NULL);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int replaced = 0;
        for (int j = 0; j < nextra; j++) {
            size_t len = (size_t)(strchr(extra[j], '=') - extra[j]) + 1;
            if (strncmp(environ[i], extra[j], len) == 0)
                replaced = 1;
        }
        if (!replaced)
            envp[k++] = environ[i];
    }
    for (int j = 0; j < nextra; j++)
        envp[k++] = (char *)extra[j];
    envp[k] = NULL;

    long long t0 = lipc_test_now_ms();
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        setpgid(0, 0);
        char *argv[] = { (char *)prog, NULL };
        execve(prog, argv, envp);
        fprintf(stderr, "exec %s: %s\n", prog, strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    free(envp);
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        CHECK(r >= 0);
        if (r == pid)
            break;
        if (lipc_test_now_ms() - t0 > TIMEOUT_MS) {
            fprintf(stderr, "test_preload: %s timed out, killing its process group\n", prog);
            kill(-pid, SIGKILL);
            CHECK(waitpid(pid, &status, 0) == pid);
            break;
        }
        usleep(10000);
    }
    kill(-pid, SIGKILL);        /* whatever it left behind (nothing, normally) */
    fprintf(stderr, "test_preload: %s finished in %lld ms\n", prog, lipc_test_now_ms() - t0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static const char *preload_value_of(const char *lib)
{
    static char buf[4096];
#ifdef LIPC_PRELOAD_SKIP
    fprintf(stderr, "test_preload: skipped: %s\n", LIPC_PRELOAD_SKIP);
    exit(77);
#endif
    /* Sanitizer builds: the sanitizer runtime must come first in the list. */
    snprintf(buf, sizeof(buf), "LD_PRELOAD=%s%s%s", LIPC_PRELOAD_RUNTIME, LIPC_PRELOAD_RUNTIME[0] ? ":" : "",
             lib);
    return buf;
}

static const char *preload_value(void)
{
    return preload_value_of(LIPC_PRELOAD_LIB);
}

static int test_liteos(void)
{
    const char *ld = preload_value();
    struct lipc_test_broker b;
    lipc_test_broker_start(&b);         /* sets LITEIPC_SOCKET in our environ */

    /* without the preload, /dev/lite_ipc does not exist on Linux */
    int rc_plain = 2;
    if (access(LITEIPC_DRIVER_PATH, F_OK) != 0) {
        const char *none[] = { "LD_PRELOAD=" };
        rc_plain = run(LIPC_LITEOS_PROG, none, 1);
    }
    const char *env[] = { ld };
    int rc = run(LIPC_LITEOS_PROG, env, 1);
    /* stop the broker before any check can abort us */
    int rc_broker = lipc_test_broker_stop(&b);
    CHECK_EQ(rc_plain, 2);
    CHECK_EQ(rc, 0);
    CHECK_EQ(rc_broker, 0);
    printf("test_preload liteos: ok\n");
    return 0;
}

static int test_fileio(void)
{
    const char *ld = preload_value();
    /* LITEIPC_SOCKET names a regular file: no broker can be reached */
    char dir[] = "/tmp/lipc-preload-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char sock[256], sockenv[300];
    snprintf(sock, sizeof(sock), "%s/not-a-socket", dir);
    int fd = open(sock, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    CHECK(fd >= 0);
    close(fd);
    snprintf(sockenv, sizeof(sockenv), "LITEIPC_SOCKET=%s", sock);
    const char *env[] = { ld, sockenv };
    int rc = run(LIPC_FILEIO_PROG, env, 2);
    unlink(sock);
    rmdir(dir);
    CHECK_EQ(rc, 0);
    printf("test_preload fileio: ok\n");
    return 0;
}

static int test_devfd(void)
{
    struct lipc_test_broker b;
    lipc_test_broker_start(&b);
    const char *env1[] = { preload_value() };
    int rc1 = run(LIPC_DEVFD_PROG, env1, 1);
    const char *env2[] = { preload_value_of(LIPC_PRELOAD_SMALLMAP_LIB), "DEVFD_FILL=1" };
    int rc2 = run(LIPC_DEVFD_PROG, env2, 2);
    int rc_broker = lipc_test_broker_stop(&b);
    CHECK_EQ(rc1, 0);
    CHECK_EQ(rc2, 0);
    CHECK_EQ(rc_broker, 0);
    printf("test_preload devfd: ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "liteos") == 0)
        return test_liteos();
    if (argc == 2 && strcmp(argv[1], "fileio") == 0)
        return test_fileio();
    if (argc == 2 && strcmp(argv[1], "devfd") == 0)
        return test_devfd();
    fprintf(stderr, "usage: test_preload liteos|fileio|devfd\n");
    return 2;
}
