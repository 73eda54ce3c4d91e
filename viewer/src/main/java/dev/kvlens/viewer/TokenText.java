package dev.kvlens.viewer;

/** How a token's text is shown: SentencePiece's word marker as a space, control characters visible. */
public final class TokenText {

    private TokenText() {
    }

    public static String display(String piece) {
        if (piece == null || piece.isEmpty()) {
            return "∅";
        }
        StringBuilder b = new StringBuilder(piece.length());
        for (int i = 0; i < piece.length(); i++) {
            char c = piece.charAt(i);
            switch (c) {
                case '\u2581' -> b.append(' ');
                case '\n' -> b.append('↵');
                case '\t' -> b.append('⇥');
                case '\r' -> { }
                default -> b.append(c < 0x20 ? '·' : c);
            }
        }
        return b.toString();
    }
}
