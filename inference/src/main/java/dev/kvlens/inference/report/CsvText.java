package dev.kvlens.inference.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;

/** RFC 4180 fields and plain decimal numbers, so spreadsheets and pandas read the files the same way. */
final class CsvText {

    /** Nine significant digits: beyond float noise, short enough to read. */
    private static final MathContext DIGITS = new MathContext(9);

    private CsvText() {
    }

    /** A row of fields joined by commas, each quoted when it has to be, ended by CRLF-free "\n". */
    static String row(List<String> fields) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(field(fields.get(i)));
        }
        return sb.append('\n').toString();
    }

    /** Quotes a field holding a comma, quote, line break, or edge space (token texts often start with one). */
    static String field(String text) {
        if (text == null) {
            return "";
        }
        boolean quote = text.indexOf(',') >= 0 || text.indexOf('"') >= 0 || text.indexOf('\n') >= 0
                || text.indexOf('\r') >= 0 || (!text.isEmpty() && (text.charAt(0) == ' '
                || text.charAt(text.length() - 1) == ' '));
        return quote ? '"' + text.replace("\"", "\"\"") + '"' : text;
    }

    /** Plain decimal with up to nine significant digits; NaN and infinities become an empty cell. */
    static String number(double v) {
        if (!Double.isFinite(v)) {
            return "";
        }
        if (v == 0) {
            return "0";
        }
        return new BigDecimal(v).round(DIGITS).stripTrailingZeros().toPlainString();
    }
}
