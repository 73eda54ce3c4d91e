package dev.kvlens.inference.cli;

import java.util.Locale;

/** Human-readable sizes and counts for tables. */
final class Units {

    private Units() {
    }

    /** 1536 -> "1.5 KiB". */
    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** 1_100_048_384 -> "1.10 B". */
    static String count(long n) {
        if (n >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2f B", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.2f M", n / 1e6);
        }
        if (n >= 1_000L) {
            return String.format(Locale.ROOT, "%.1f K", n / 1e3);
        }
        return Long.toString(n);
    }

    /** A float without a useless ".0": 10000.0 -> "10000", 0.5 -> "0.5". */
    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%s", (float) v);
    }
}
