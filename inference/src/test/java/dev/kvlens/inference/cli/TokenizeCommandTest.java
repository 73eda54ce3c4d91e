package dev.kvlens.inference.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class TokenizeCommandTest {

    private static int[] ids(CliResult r) throws Exception {
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("", r.err());
        return new ObjectMapper().readValue(r.out(), int[].class);
    }

    @Test
    void storiesGgufAddsBosLikeLlamaTokenize() throws Exception {
        // tok512 ids from the sentencepiece library (shared/models README), BOS 1 in front.
        CliResult r = Cli.run("tokenize", "--model", Cli.STORIES.toString(), "--text", "Once upon a time");
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, ids(r));
        assertEquals("[1,403,407,261,378]", r.out().strip());
    }

    @Test
    void specialTokenTextIsParsed() throws Exception {
        // llama-tokenize parses special tokens: a written "<s>" is the BOS id, not the letters.
        CliResult r = Cli.run("tokenize", "-m", Cli.STORIES.toString(), "-t", "<s>Once upon a time");
        int[] ids = ids(r);
        assertEquals(1, ids[0]);
        assertEquals(1, ids[1]);
    }

    @Test
    void huggingFaceFolderUsesTokenizerJson() throws Exception {
        // The post-processor prepends <|start_story|> (id 1); ids from the shared/models README.
        CliResult r = Cli.run("tokenize", "--model", Cli.TINYSTORIES_HF.toString(), "--text", "Once upon a time");
        assertArrayEquals(new int[] {1, 80, 147, 201, 282, 57}, ids(r));
    }

    @Test
    void vocabularyOnlyGgufNeedsNoWeights() throws Exception {
        // "Hello world" as Llama-2 ids, the prompt of the llama-2-tiny-random reference.
        CliResult r = Cli.run("tokenize", "--model", Cli.LLAMA_SPM_VOCAB.toString(), "--text", "Hello world");
        assertArrayEquals(new int[] {1, 15043, 3186}, ids(r));
    }
}
