package dev.kvlens.viewer;

/** Byte counts for people: binary units (KiB = 1024 bytes), three significant digits. */
public final class Bytes {

    private Bytes() {
    }

    public static String format(double bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        double v = bytes;
        while (Math.abs(v) >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? String.format("%.0f B", v) : String.format(v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
    }
}
