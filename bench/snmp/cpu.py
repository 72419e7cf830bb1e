"""CPU seconds (user + system) of one command, measured with posix_spawn + wait4 so the
measuring process adds nothing. Prints the seconds; stdout of the command goes to /dev/null, or to
`output` when given (so what the measured run printed can be counted)."""
import os
import sys


def cpu_seconds(args, output="/dev/null"):
    pid = os.posix_spawnp(args[0], args, os.environ,
                          file_actions=[(os.POSIX_SPAWN_OPEN, 1, output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)])
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("command failed: %s" % " ".join(args))
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    print("%.4f" % cpu_seconds(sys.argv[1:]))
