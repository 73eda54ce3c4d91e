package dev.kvlens.inference.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * Streaming detokenizer over per-token byte pieces: emits every complete UTF-8 sequence at once
 * and holds back a trailing incomplete one (at most 3 bytes) until the next token completes it.
 * Malformed bytes come out as U+FFFD, like a whole-text decode would produce.
 */
final class Utf8TokenDecoder implements TokenDecoder {

    /** How one leading space of the output is removed (the "dummy prefix" SentencePiece adds). */
    enum LeadingSpace {
        KEEP,
        /** llama.cpp: strip from the first token's piece only, even if that piece is empty. */
        STRIP_FROM_FIRST_TOKEN,
        /** Hugging Face Strip decoder: strip from the start of the text. */
        STRIP_FROM_TEXT_START
    }

    private final IntFunction<byte[]> pieceBytes;
    private LeadingSpace leading;
    private byte[] pending = new byte[0];

    Utf8TokenDecoder(IntFunction<byte[]> pieceBytes, LeadingSpace leading) {
        this.pieceBytes = pieceBytes;
        this.leading = leading;
    }

    @Override
    public String accept(int id) {
        byte[] piece = pieceBytes.apply(id);
        if (leading == LeadingSpace.STRIP_FROM_FIRST_TOKEN) {
            piece = stripOneSpace(piece);
            leading = LeadingSpace.KEEP;
        } else if (leading == LeadingSpace.STRIP_FROM_TEXT_START && piece.length > 0) {
            piece = stripOneSpace(piece);
            leading = LeadingSpace.KEEP;
        }
        byte[] all = new byte[pending.length + piece.length];
        System.arraycopy(pending, 0, all, 0, pending.length);
        System.arraycopy(piece, 0, all, pending.length, piece.length);
        int cut = completeLength(all);
        pending = Arrays.copyOfRange(all, cut, all.length);
        return new String(all, 0, cut, StandardCharsets.UTF_8);
    }

    @Override
    public String flush() {
        String rest = new String(pending, StandardCharsets.UTF_8);
        pending = new byte[0];
        return rest;
    }

    private static byte[] stripOneSpace(byte[] piece) {
        return piece.length > 0 && piece[0] == ' ' ? Arrays.copyOfRange(piece, 1, piece.length) : piece;
    }

    /** Length of the prefix that does not end inside an incomplete (but so far valid) UTF-8 sequence. */
    static int completeLength(byte[] b) {
        int n = b.length;
        // look back at most 3 bytes for the lead byte of the last sequence
        for (int back = 1; back <= Math.min(3, n); back++) {
            int c = b[n - back] & 0xFF;
            if ((c & 0xC0) == 0x80) {
                continue; // continuation byte: keep looking for its lead
            }
            int need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
            return need > back ? n - back : n;
        }
        return n;
    }

    /** Whole-sequence decode with the same rules as the streaming decoder. */
    static String decodeAll(int[] ids, IntFunction<byte[]> pieceBytes, LeadingSpace leading) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            byte[] piece = pieceBytes.apply(id);
            if (leading == LeadingSpace.STRIP_FROM_FIRST_TOKEN
                    || (leading == LeadingSpace.STRIP_FROM_TEXT_START && piece.length > 0)) {
                piece = stripOneSpace(piece);
                leading = LeadingSpace.KEEP;
            }
            out.writeBytes(piece);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A piece for display: its text when the bytes are valid UTF-8, otherwise each byte as {@code <0xNN>}. */
    static String display(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            StringBuilder sb = new StringBuilder();
            for (byte x : bytes) {
                sb.append(String.format("<0x%02X>", x & 0xFF));
            }
            return sb.toString();
        }
    }
}
