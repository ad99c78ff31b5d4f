/*
 * libxl_pager.c: the paging daemon of a domain (xenpaging)
 *
 * Nothing in libxl or xl starts xenpaging: whoever wants a domain paged
 * runs one pager per domain, tells it the allocation to page down to
 * through xenstore, and must notice when it dies.  The pager runs as a
 * daemon of its own, so that it outlives a restart of libvirtd as the
 * domain does; it is recognised again by its page file on its command
 * line, which a reused pid cannot fake.
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * This library is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 * Lesser General Public License for more details.
 *
 * You should have received a copy of the GNU Lesser General Public
 * License along with this library.  If not, see
 * <http://www.gnu.org/licenses/>.
 */

#include <config.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libxl_pager.h"
#include "vircommand.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virpidfile.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_LIBXL

VIR_LOG_INIT("libxl.libxl_pager");

/* xenpaging creates its page file once it has enabled paging in the
 * hypervisor, and exits at once when the hypervisor refuses: either
 * happens within moments, so this bound is only against a hung pager */
#define LIBXL_PAGER_START_TIMEOUT_MS 10000
#define LIBXL_PAGER_POLL_MS 20
/* What a command line may be, read back from /proc */
#define LIBXL_PAGER_CMDLINE_MAX (64 * 1024)
/* The tail of the pager's log quoted in an error */
#define LIBXL_PAGER_LOG_TAIL 4096


char *
libxlPagerFile(const char *dir,
               const char *name)
{
    return g_strdup_printf("%s/%s.paging", dir, name);
}


static char *
libxlPagerPidFile(const char *dir,
                  const char *name)
{
    return g_strdup_printf("%s/%s.pager.pid", dir, name);
}


/* The last non-empty line of the pager's log: its own reason for exiting.
 * The log grows across restarts: only its tail is read. */
static char *
libxlPagerLastWords(const char *logfile)
{
    char text[LIBXL_PAGER_LOG_TAIL + 1];
    VIR_AUTOCLOSE fd = -1;
    struct stat sb;
    ssize_t n;
    char *line;
    char *end;

    if ((fd = open(logfile, O_RDONLY | O_CLOEXEC)) < 0 ||
        fstat(fd, &sb) < 0 ||
        lseek(fd, sb.st_size > LIBXL_PAGER_LOG_TAIL ?
                  sb.st_size - LIBXL_PAGER_LOG_TAIL : 0, SEEK_SET) < 0 ||
        (n = saferead(fd, text, LIBXL_PAGER_LOG_TAIL)) < 0)
        return g_strdup(_("it left no message"));
    text[n] = '\0';

    end = text + strlen(text);
    while (end > text && (end[-1] == '\n' || end[-1] == ' '))
        *--end = '\0';
    if (!(line = strrchr(text, '\n')))
        line = text;
    else
        line++;
    if (!*line)
        return g_strdup(_("it left no message"));
    return g_strdup(line);
}


/* The pid is a process that has not exited, whatever it runs: a pager
 * just forked may not have exec'd yet, and shows libvirtd's command line
 * until it has */
static bool
libxlPagerRunning(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%lld/stat", (long long)pid);
    g_autofree char *stat = NULL;
    const char *state;

    if (kill(pid, 0) < 0 && errno == ESRCH)
        return false;
    if (virFileReadAllQuiet(path, 4096, &stat) < 0)
        return false;
    /* after the command name in parentheses, which may hold anything */
    if (!(state = strrchr(stat, ')')))
        return false;
    return state[1] == ' ' && state[2] != 'Z' && state[2] != 'X';
}


/*
 * Whether @pid is the pager of @pagefile: a process that has not exited,
 * runs @program and has the page file on its command line, which a
 * stranger given a reused pid would not.  While @starting (this daemon
 * forked it moments ago) it may not have exec'd yet: running is enough.
 */
bool
libxlPagerAlive(pid_t pid,
                const char *program,
                const char *pagefile,
                bool starting)
{
    g_autofree char *path = NULL;
    g_autofree char *cmdline = NULL;
    g_autofree char *exe = NULL;
    g_autofree char *wanted = NULL;
    int len;
    int i;

    if (pid <= 0 || !pagefile || !libxlPagerRunning(pid))
        return false;
    if (starting)
        return true;

    path = g_strdup_printf("/proc/%lld/exe", (long long)pid);
    if (virFileResolveLink(path, &exe) < 0 ||
        virFileResolveAllLinks(program, &wanted) < 0 ||
        STRNEQ(exe, wanted))
        return false;

    g_free(path);
    path = g_strdup_printf("/proc/%lld/cmdline", (long long)pid);
    if ((len = virFileReadAllQuiet(path, LIBXL_PAGER_CMDLINE_MAX, &cmdline)) <= 0)
        return false;
    for (i = 0; i < len; i += strlen(cmdline + i) + 1) {
        if (STREQ(cmdline + i, pagefile))
            return true;
    }
    return false;
}


void
libxlPagerStop(pid_t pid,
               const char *program,
               const char *pagefile,
               bool starting)
{
    /* xenpaging pages everything back in when told to stop; its page
     * file stays readable to it once unlinked */
    if (libxlPagerAlive(pid, program, pagefile, starting) && kill(pid, SIGTERM) < 0)
        VIR_WARN("cannot stop pager %lld: %s", (long long)pid, g_strerror(errno));
    if (pagefile && unlink(pagefile) < 0 && errno != ENOENT)
        VIR_WARN("cannot remove page file %s: %s", pagefile, g_strerror(errno));
}


unsigned long long
libxlPagerBackoffMs(unsigned int restarts)
{
    unsigned long long ms = 1000;

    while (restarts-- > 0 && ms < LIBXL_PAGER_BACKOFF_MAX_MS)
        ms *= 2;
    return MIN(ms, LIBXL_PAGER_BACKOFF_MAX_MS);
}


/* Wait, bounded, for the pager to create its page file or die */
static int
libxlPagerWaitReady(const char *program,
                    const char *name,
                    pid_t pid,
                    const char *pagefile,
                    const char *logfile)
{
    int waited;

    for (waited = 0; waited < LIBXL_PAGER_START_TIMEOUT_MS;
         waited += LIBXL_PAGER_POLL_MS) {
        if (!libxlPagerRunning(pid)) {
            g_autofree char *why = libxlPagerLastWords(logfile);

            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("cannot page domain '%s': the pager '%s' exited (log: %s): %s"),
                           name, program, logfile, why);
            return -1;
        }
        if (virFileExists(pagefile) && libxlPagerAlive(pid, program, pagefile, false))
            return 0;
        g_usleep(LIBXL_PAGER_POLL_MS * 1000);
    }

    libxlPagerStop(pid, program, pagefile, true);
    virReportError(VIR_ERR_OPERATION_TIMEOUT,
                   _("cannot page domain '%s': the pager '%s' did not start paging within %d ms"),
                   name, program, LIBXL_PAGER_START_TIMEOUT_MS);
    return -1;
}


int
libxlPagerStart(const char *program,
                const char *dir,
                const char *logDir,
                const char *name,
                int domid,
                bool wait,
                pid_t *pid)
{
    g_autofree char *pagefile = libxlPagerFile(dir, name);
    g_autofree char *pidfile = libxlPagerPidFile(dir, name);
    g_autofree char *logfile = g_strdup_printf("%s/%s-pager.log", logDir, name);
    g_autofree char *domidStr = g_strdup_printf("%d", domid);
    g_autoptr(virCommand) cmd = NULL;
    VIR_AUTOCLOSE logfd = -1;

    *pid = 0;
    if (g_mkdir_with_parents(dir, 0700) < 0) {
        virReportSystemError(errno, _("cannot create the page file directory '%s'"),
                             dir);
        return -1;
    }
    /* a page file left by an earlier pager would read as ready */
    if (unlink(pagefile) < 0 && errno != ENOENT) {
        virReportSystemError(errno, _("cannot remove the stale page file '%s'"),
                             pagefile);
        return -1;
    }
    ignore_value(unlink(pidfile));

    if ((logfd = open(logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                      S_IRUSR | S_IWUSR)) < 0) {
        virReportSystemError(errno, _("cannot open the pager's log '%s'"), logfile);
        return -1;
    }

    cmd = virCommandNewArgList(program, "-d", domidStr, "-f", pagefile, NULL);
    virCommandSetOutputFD(cmd, &logfd);
    virCommandSetErrorFD(cmd, &logfd);
    virCommandSetPidFile(cmd, pidfile);
    virCommandDaemonize(cmd);
    virCommandClearCaps(cmd);

    if (virCommandRun(cmd, NULL) < 0)
        return -1;

    if (virPidFileReadPath(pidfile, pid) < 0) {
        virReportSystemError(errno, _("cannot read the pager's pid from '%s'"),
                             pidfile);
        return -1;
    }
    ignore_value(unlink(pidfile));

    VIR_INFO("started pager %lld for domain %s (id %d)", (long long)*pid, name, domid);

    if (wait &&
        libxlPagerWaitReady(program, name, *pid, pagefile, logfile) < 0) {
        *pid = 0;
        return -1;
    }
    return 0;
}
