package dev.kvlens.viewer;

import java.util.List;
import javafx.scene.paint.Color;

/**
 * A colour map from [0, 1] to colours, as a 256-entry ARGB lookup table. The sequential maps are the
 * published viridis, magma and cividis (sampled at 11 or 10 evenly spaced anchors, ends exact)
 * and the diverging one is ColorBrewer's RdBu (blue for negative, near white at 0.5, red for
 * positive); between anchors colours are interpolated in CIELAB so lightness stays monotone, as in
 * the originals.
 */
public final class ColorScale {

    public static final ColorScale VIRIDIS = new ColorScale("viridis", false,
            "#440154", "#482576", "#414487", "#35608D", "#2A788E", "#21908C", "#22A884", "#43BF71", "#7AD151",
            "#BBDF27", "#FDE725");
    public static final ColorScale MAGMA = new ColorScale("magma", false,
            "#000004", "#140E36", "#3B0F70", "#641A80", "#8C2981", "#B73779", "#DE4968", "#F7705C", "#FE9F6D",
            "#FECF92", "#FCFDBF");
    public static final ColorScale CIVIDIS = new ColorScale("cividis", false,
            "#00204D", "#00336F", "#39486B", "#575C6D", "#707173", "#8A8779", "#A69D75", "#C4B56C", "#E4CF5B",
            "#FFEA46");
    /** Diverging, for differences (lane minus full): 0 = most negative, 0.5 = zero, 1 = most positive. */
    public static final ColorScale BLUE_WHITE_RED = new ColorScale("blue-white-red", true,
            "#053061", "#2166AC", "#4393C3", "#92C5DE", "#D1E5F0", "#F7F7F7", "#FDDBC7", "#F4A582", "#D6604D",
            "#B2182B", "#67001F");

    public static final List<ColorScale> ALL = List.of(VIRIDIS, MAGMA, CIVIDIS, BLUE_WHITE_RED);

    private static final int SIZE = 256;

    private final String name;
    private final boolean diverging;
    private final int[] lut = new int[SIZE];

    private ColorScale(String name, boolean diverging, String... anchors) {
        this.name = name;
        this.diverging = diverging;
        double[][] lab = new double[anchors.length][];
        for (int i = 0; i < anchors.length; i++) {
            lab[i] = toLab(Color.web(anchors[i]));
        }
        for (int i = 0; i < SIZE; i++) {
            double t = i / (double) (SIZE - 1) * (anchors.length - 1);
            int a = Math.min((int) t, anchors.length - 2);
            double f = t - a;
            double[] c = new double[3];
            for (int k = 0; k < 3; k++) {
                c[k] = lab[a][k] * (1 - f) + lab[a + 1][k] * f;
            }
            lut[i] = fromLab(c);
        }
        // The anchors are exact at their own positions; keep the ends free of round-trip error.
        lut[0] = argb(Color.web(anchors[0]));
        lut[SIZE - 1] = argb(Color.web(anchors[anchors.length - 1]));
    }

    public String name() {
        return name;
    }

    /** True for maps whose middle is the neutral value (use with a range symmetric about zero). */
    public boolean diverging() {
        return diverging;
    }

    /** Packed ARGB (opaque) for {@code t} in [0, 1]; values outside are clamped, NaN gives 0 (transparent). */
    public int argb(double t) {
        if (Double.isNaN(t)) {
            return 0;
        }
        int i = (int) Math.round(Math.clamp(t, 0.0, 1.0) * (SIZE - 1));
        return lut[i];
    }

    public Color color(double t) {
        int c = argb(t);
        return Color.rgb((c >> 16) & 0xFF, (c >> 8) & 0xFF, c & 0xFF, ((c >>> 24) & 0xFF) / 255.0);
    }

    /** The table itself (256 packed ARGB values), for renderers that index it directly. */
    int[] table() {
        return lut;
    }

    /** Whether black text reads better than white on {@code argb} (WCAG relative luminance). */
    public static boolean prefersDarkText(int argb) {
        double l = 0.2126 * linear(((argb >> 16) & 0xFF) / 255.0) + 0.7152 * linear(((argb >> 8) & 0xFF) / 255.0)
                + 0.0722 * linear((argb & 0xFF) / 255.0);
        return l > 0.179;
    }

    @Override
    public String toString() {
        return name;
    }

    private static int argb(Color c) {
        return 0xFF000000 | ((int) Math.round(c.getRed() * 255) << 16) | ((int) Math.round(c.getGreen() * 255) << 8)
                | (int) Math.round(c.getBlue() * 255);
    }

    private static double linear(double v) {
        return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    }

    private static double gamma(double v) {
        double s = v <= 0.0031308 ? 12.92 * v : 1.055 * Math.pow(v, 1 / 2.4) - 0.055;
        return Math.clamp(s, 0.0, 1.0);
    }

    // sRGB <-> CIELAB with the D65 white point.
    private static final double XN = 0.95047, YN = 1.0, ZN = 1.08883;

    private static double[] toLab(Color c) {
        double r = linear(c.getRed()), g = linear(c.getGreen()), b = linear(c.getBlue());
        double x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / XN;
        double y = (0.2126729 * r + 0.7151522 * g + 0.0721750 * b) / YN;
        double z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / ZN;
        double fx = f(x), fy = f(y), fz = f(z);
        return new double[] {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
    }

    private static int fromLab(double[] lab) {
        double fy = (lab[0] + 16) / 116, fx = fy + lab[1] / 500, fz = fy - lab[2] / 200;
        double x = XN * fInv(fx), y = YN * fInv(fy), z = ZN * fInv(fz);
        double r = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z;
        double g = -0.9692660 * x + 1.8760108 * y + 0.0415560 * z;
        double b = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z;
        return 0xFF000000 | ((int) Math.round(gamma(r) * 255) << 16) | ((int) Math.round(gamma(g) * 255) << 8)
                | (int) Math.round(gamma(b) * 255);
    }

    private static double f(double t) {
        return t > 216.0 / 24389 ? Math.cbrt(t) : (24389.0 / 27 * t + 16) / 116;
    }

    private static double fInv(double t) {
        double t3 = t * t * t;
        return t3 > 216.0 / 24389 ? t3 : (116 * t - 16) / (24389.0 / 27);
    }
}
