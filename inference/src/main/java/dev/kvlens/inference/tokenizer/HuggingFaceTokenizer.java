package dev.kvlens.inference.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A tokenizer.json BPE tokenizer: added-token splitting, normalizer, pre-tokenizer, BPE model,
 * template post-processing, and a decoder made of per-token steps plus an optional leading strip.
 */
final class HuggingFaceTokenizer implements Tokenizer {

    /** An added token (tokenizer.json "added_tokens"). */
    record AddedToken(int id, String content, boolean special, boolean normalized, boolean lstrip, boolean rstrip) {
    }

    /** The decoder pipeline reduced to what can run token by token. */
    record Decoder(List<String[]> replacements, boolean byteFallback, boolean byteLevel, boolean stripLeadingSpace) {
    }

    record Settings(String kind, int bos, int eos, Set<Integer> endOfGeneration, int[] prefix, int[] suffix) {
    }

    private final String[] pieces;
    private final List<AddedToken> added;
    private final HuggingFaceNormalizer normalizer;
    private final HuggingFacePreTokenizer preTokenizer;
    private final HuggingFaceBpeModel model;
    private final Decoder decoder;
    private final Settings s;
    private final boolean[] special;
    private final byte[][] decoded;

    HuggingFaceTokenizer(String[] pieces, List<AddedToken> added, HuggingFaceNormalizer normalizer,
                         HuggingFacePreTokenizer preTokenizer, HuggingFaceBpeModel model, Decoder decoder, Settings settings) {
        this.pieces = pieces;
        // longest first, so that a token containing another one wins
        this.added = new ArrayList<>(added);
        this.added.sort((a, b) -> b.content.length() - a.content.length());
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.decoder = decoder;
        this.s = settings;
        this.special = new boolean[pieces.length];
        for (AddedToken t : added) {
            special[t.id] = t.special;
        }
        this.decoded = new byte[pieces.length][];
        for (int i = 0; i < pieces.length; i++) {
            decoded[i] = special[i] ? new byte[0] : decodePiece(pieces[i]);
        }
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList();
        if (addSpecial) {
            for (int id : s.prefix) {
                out.add(id);
            }
        }
        // raw text first split on non-normalized added tokens, each piece normalized, then split on normalized ones
        List<Object> parts = splitOnAdded(List.of(text), false, parseSpecial);
        List<Object> normalizedParts = new ArrayList<>();
        for (Object p : parts) {
            normalizedParts.add(p instanceof String str && normalizer != null ? normalizer.apply(str) : p);
        }
        for (Object p : splitOnAdded(normalizedParts, true, parseSpecial)) {
            if (p instanceof Integer id) {
                out.add(id);
                continue;
            }
            List<String> words = List.of((String) p);
            if (preTokenizer != null) {
                words = preTokenizer.apply(words);
            }
            for (String w : words) {
                model.encode(w, out);
            }
        }
        if (addSpecial) {
            for (int id : s.suffix) {
                out.add(id);
            }
        }
        return out.toArray();
    }

    /** Splits text parts at added tokens whose "normalized" flag equals {@code normalizedPass}. */
    private List<Object> splitOnAdded(List<Object> parts, boolean normalizedPass, boolean parseSpecial) {
        List<Object> current = new ArrayList<>(parts);
        for (AddedToken t : added) {
            if (t.normalized != normalizedPass || (t.special && !parseSpecial)) {
                continue;
            }
            List<Object> next = new ArrayList<>();
            for (Object p : current) {
                if (!(p instanceof String str)) {
                    next.add(p);
                    continue;
                }
                int from = 0;
                int at;
                while ((at = str.indexOf(t.content, from)) >= 0) {
                    int leftEnd = at;
                    if (t.lstrip) {
                        while (leftEnd > from && Character.isWhitespace(str.charAt(leftEnd - 1))) {
                            leftEnd--;
                        }
                    }
                    if (leftEnd > from) {
                        next.add(str.substring(from, leftEnd));
                    }
                    next.add(t.id);
                    from = at + t.content.length();
                    if (t.rstrip) {
                        while (from < str.length() && Character.isWhitespace(str.charAt(from))) {
                            from++;
                        }
                    }
                }
                if (from < str.length()) {
                    next.add(str.substring(from));
                }
            }
            current = next;
        }
        current.removeIf(p -> p instanceof String str && str.isEmpty());
        return current;
    }

    private byte[] decodePiece(String piece) {
        String t = piece;
        for (String[] r : decoder.replacements) {
            t = t.replace(r[0], r[1]);
        }
        if (decoder.byteFallback && t.length() == 6 && t.startsWith("<0x") && t.endsWith(">")) {
            try {
                return new byte[] {(byte) Integer.parseInt(t.substring(3, 5), 16)};
            } catch (NumberFormatException e) {
                // not a byte token after all: keep the text
            }
        }
        if (decoder.byteLevel) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            for (int k = 0; k < t.length(); k++) {
                int b = ByteUnicodeMap.byteOf(t.charAt(k));
                if (b >= 0) {
                    out.write(b);
                } else {
                    out.writeBytes(String.valueOf(t.charAt(k)).getBytes(StandardCharsets.UTF_8));
                }
            }
            return out.toByteArray();
        }
        return t.getBytes(StandardCharsets.UTF_8);
    }

    private byte[] pieceBytes(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + pieces.length);
        }
        return decoded[id];
    }

    private Utf8TokenDecoder.LeadingSpace leadingSpace() {
        return decoder.stripLeadingSpace ? Utf8TokenDecoder.LeadingSpace.STRIP_FROM_TEXT_START : Utf8TokenDecoder.LeadingSpace.KEEP;
    }

    @Override
    public String decode(int[] ids) {
        return Utf8TokenDecoder.decodeAll(ids, this::pieceBytes, leadingSpace());
    }

    @Override
    public TokenDecoder streamingDecoder() {
        return new Utf8TokenDecoder(this::pieceBytes, leadingSpace());
    }

    @Override
    public String piece(int id) {
        pieceBytes(id);
        return special[id] ? pieces[id] : Utf8TokenDecoder.display(decodePiece(pieces[id]));
    }

    @Override
    public int vocabularySize() {
        return pieces.length;
    }

    @Override
    public int bos() {
        return s.bos;
    }

    @Override
    public int eos() {
        return s.eos;
    }

    @Override
    public boolean isEndOfGeneration(int id) {
        return s.endOfGeneration.contains(id);
    }

    @Override
    public boolean addsBos() {
        return s.prefix.length > 0 && s.prefix[0] == s.bos;
    }

    @Override
    public String kind() {
        return s.kind;
    }

    @Override
    public String toString() {
        return kind() + ", " + pieces.length + " tokens";
    }
}
