package dev.kvlens.inference.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * A tokenizer built from GGUF vocabulary metadata, behaving like llama.cpp's llama_vocab:
 * special-token partitioning, then the SPM, BPE or WPM algorithm per text fragment, BOS/EOS as the
 * vocabulary asks, and token_to_piece for decoding.
 */
final class GgufTokenizer implements Tokenizer {

    enum Model { SPM, BPE, WPM }

    /** Everything the factory reads from metadata, already validated. */
    record Settings(Model model, String kind, int bos, int eos, int unk, int sep,
                    boolean addSpacePrefix, boolean addBos, boolean addEos, Set<Integer> endOfGeneration,
                    boolean cleanSpaces, boolean lowercase, boolean stripAccents) {
    }

    private final GgufVocabulary vocab;
    private final Settings s;
    private final SentencePieceEncoder spm;
    private final ByteLevelBpeEncoder bpe;
    private final WordPieceEncoder wpm;
    private final byte[][] pieces;

    GgufTokenizer(GgufVocabulary vocab, Settings settings, ByteLevelBpeEncoder bpe) {
        this.vocab = vocab;
        this.s = settings;
        this.spm = settings.model == Model.SPM ? new SentencePieceEncoder(vocab, settings.unk) : null;
        this.bpe = bpe;
        this.wpm = settings.model == Model.WPM ? new WordPieceEncoder(vocab, settings.unk, settings.lowercase, settings.stripAccents) : null;
        this.pieces = new byte[vocab.size()][];
        for (int id = 0; id < vocab.size(); id++) {
            pieces[id] = tokenToPiece(id, false);
        }
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        List<SpecialTokenSplitter.Fragment> fragments = SpecialTokenSplitter.split(text, vocab, parseSpecial);
        IntList out = new IntList();
        switch (s.model) {
            case SPM -> {
                boolean prevSpecial = true; // the first fragment gets the space prefix
                if (addSpecial && s.addBos) {
                    out.add(s.bos);
                }
                for (SpecialTokenSplitter.Fragment f : fragments) {
                    if (f.isText()) {
                        String t = (s.addSpacePrefix && prevSpecial ? " " : "") + text.substring(f.start(), f.end());
                        spm.encode(t.replace(' ', '\u2581'), out);
                        prevSpecial = false;
                    } else {
                        out.add(f.token());
                        prevSpecial = true;
                    }
                }
                if (addSpecial && s.addEos) {
                    out.add(s.eos);
                }
            }
            case BPE -> {
                if (addSpecial && s.addBos) {
                    out.add(s.bos);
                }
                for (SpecialTokenSplitter.Fragment f : fragments) {
                    if (f.isText()) {
                        bpe.encode(text.substring(f.start(), f.end()), out);
                    } else {
                        out.add(f.token());
                    }
                }
                if (addSpecial && s.addEos) {
                    out.add(s.eos);
                }
            }
            case WPM -> {
                if (addSpecial) {
                    out.add(s.bos); // WPM always adds [CLS] ... [SEP], as llama.cpp does
                }
                for (SpecialTokenSplitter.Fragment f : fragments) {
                    if (f.isText()) {
                        wpm.encode(text.substring(f.start(), f.end()), out);
                    } else {
                        out.add(f.token());
                    }
                }
                if (addSpecial) {
                    out.add(s.sep);
                }
            }
        }
        return out.toArray();
    }

    /** llama.cpp's token_to_piece; {@code special} renders control/unknown tokens as their text. */
    private byte[] tokenToPiece(int id, boolean special) {
        int attr = vocab.attrs(id);
        String text = vocab.text(id);
        if (!special && (attr & (TokenAttributes.UNKNOWN | TokenAttributes.CONTROL)) != 0) {
            return new byte[0];
        }
        if ((attr & (TokenAttributes.UNKNOWN | TokenAttributes.CONTROL | TokenAttributes.USER_DEFINED)) != 0) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        if (s.model == Model.BPE) {
            if ((attr & TokenAttributes.NORMAL) != 0) {
                return byteLevelDecode(text);
            }
            if ((attr & TokenAttributes.BYTE) != 0) {
                return new byte[] {(byte) parseByteToken(text)};
            }
            return new byte[0];
        }
        if ((attr & TokenAttributes.NORMAL) != 0) {
            return text.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
        }
        if ((attr & TokenAttributes.BYTE) != 0 && s.model == Model.SPM) {
            return new byte[] {(byte) parseByteToken(text)};
        }
        return new byte[0];
    }

    private static int parseByteToken(String text) {
        // "<0xNN>"; llama.cpp reads the two hex digits at offset 3
        if (text.length() >= 6) {
            try {
                return Integer.parseInt(text.substring(3, 5), 16);
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return 0;
    }

    /** llama_decode_text: each character back to its byte; unmapped characters as llama.cpp's marker. */
    private static byte[] byteLevelDecode(String text) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(text.length());
        for (int k = 0; k < text.length(); ) {
            int cp = text.codePointAt(k);
            k += Character.charCount(cp);
            int b = ByteUnicodeMap.byteOf(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                StringBuilder marker = new StringBuilder("[UNK_BYTE_0x");
                for (byte x : utf8) {
                    marker.append(String.format("%02x", x & 0xFF));
                }
                marker.append(text).append(']');
                out.writeBytes(marker.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }

    private byte[] pieceBytes(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + pieces.length);
        }
        return pieces[id];
    }

    private Utf8TokenDecoder.LeadingSpace leadingSpace() {
        return s.addSpacePrefix ? Utf8TokenDecoder.LeadingSpace.STRIP_FROM_FIRST_TOKEN : Utf8TokenDecoder.LeadingSpace.KEEP;
    }

    /**
     * llama_detokenize (remove_special off, unparse_special off): the pieces joined, then, where the
     * vocabulary asks for it (clean_up_tokenization_spaces: BPE and WordPiece mostly), llama.cpp's
     * space clean-up before punctuation and contractions. The streaming decoder does not clean up,
     * like llama.cpp's per-token output.
     */
    @Override
    public String decode(int[] ids) {
        String text = Utf8TokenDecoder.decodeAll(ids, this::pieceBytes, leadingSpace());
        return s.cleanSpaces ? cleanSpaces(text) : text;
    }

    /**
     * The three in-place passes of llama.cpp's detokenize, ported literally (they read characters the
     * pass itself has already rewritten). Only ASCII is inspected, and UTF-8 continuation bytes are
     * never ASCII, so working on UTF-16 chars gives the same result as llama.cpp on bytes.
     */
    static String cleanSpaces(String in) {
        char[] text = in.toCharArray();
        int total = text.length;
        // first pass: " ?", " !", " .", " ,"
        int total1 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total1; ++i) {
            char x = text[i];
            if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) {
                total--;
            }
            text[total++] = x;
        }
        // second pass: a single apostrophe between spaces loses both spaces
        int total2 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total2; ++i) {
            char x = text[i];
            if (x == '\'' && i + 1 < total2 && text[i - 1] == ' ' && text[i + 1] == ' ') {
                total--;
                text[++i] = '\0';
            }
            text[total++] = x;
        }
        // third pass: " 's", " 'm", " 're", " 've" join the word before
        int total3 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total3; ++i) {
            char x = text[i];
            if (text[i - 1] == ' ' && x == '\'' && i + 1 < total3) {
                char x1 = text[i + 1];
                if (x1 == 's' || x1 == 'm') {
                    total--;
                } else if (x1 != 't' && x1 != 'd' && i + 2 < total3) {
                    char x2 = text[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) {
                        total--;
                    }
                }
            }
            text[total++] = x;
        }
        return new String(text, 0, total);
    }

    @Override
    public TokenDecoder streamingDecoder() {
        return new Utf8TokenDecoder(this::pieceBytes, leadingSpace());
    }

    @Override
    public String piece(int id) {
        pieceBytes(id); // range check
        if (vocab.has(id, TokenAttributes.BYTE)) {
            byte[] b = tokenToPiece(id, true);
            return b.length == 1 && b[0] >= 0 ? new String(b, StandardCharsets.UTF_8) : vocab.text(id);
        }
        return Utf8TokenDecoder.display(tokenToPiece(id, true));
    }

    @Override
    public int vocabularySize() {
        return vocab.size();
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
        return s.model == Model.WPM || s.addBos;
    }

    @Override
    public String kind() {
        return s.kind;
    }

    @Override
    public String toString() {
        return kind() + ", " + vocab.size() + " tokens";
    }
}
