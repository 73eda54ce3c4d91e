package dev.kvlens.inference.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live cross-check: seeded stress strings tokenized by KV Lens and by llama.cpp itself, for every
 * vocabulary in shared/models, with and without special-token parsing, plus BOS/EOS rules and
 * decode vs llama_detokenize. Skipped (with the reason) when tools/llamacpp is not installed.
 * {@code -Dkvlens.tokx.count=N} sets the number of strings (default keeps the test near 10 s);
 * {@code -Dkvlens.tokx.diffs=FILE} writes every difference as JSON for inspection.
 */
class LlamaCppTokenizerLiveTest {

    static final List<String> MODELS = List.of("ggml-vocab/ggml-vocab-llama-spm.gguf",
            "ggml-vocab/ggml-vocab-phi-3.gguf", "ggml-vocab/ggml-vocab-gpt-2.gguf", "ggml-vocab/ggml-vocab-mpt.gguf",
            "ggml-vocab/ggml-vocab-falcon.gguf", "ggml-vocab/ggml-vocab-deepseek-coder.gguf",
            "ggml-vocab/ggml-vocab-deepseek-llm.gguf", "ggml-vocab/ggml-vocab-starcoder.gguf",
            "ggml-vocab/ggml-vocab-refact.gguf", "ggml-vocab/ggml-vocab-bert-bge.gguf", "stories260K.gguf",
            "llama-2-tiny-random.gguf");

    @Test
    void idsAndDetokenizedTextAgreeWithLlamaCpp(@TempDir Path dir) throws Exception {
        String reason = LlamaCppTokenizerReference.unavailableReason();
        assumeTrue(reason == null, reason);
        int count = Integer.getInteger("kvlens.tokx.count", 250);
        long seed = Long.getLong("kvlens.tokx.seed", 20240611L);
        List<String> strings = new TokenizerStressStrings(seed, GgufVocabularyVectorsTest.VOCABS).generate(count);
        List<Path> models = MODELS.stream().map(GgufVocabularyVectorsTest.MODELS::resolve).toList();
        List<LlamaCppTokenizerReference.ModelResults> theirs = LlamaCppTokenizerReference.tokenize(strings, models, dir);

        ObjectMapper json = new ObjectMapper();
        ArrayNode diffs = json.createArrayNode();
        List<String> summary = new ArrayList<>();
        for (int m = 0; m < models.size(); m++) {
            LlamaCppTokenizerReference.ModelResults ref = theirs.get(m);
            Tokenizer tok = GgufVocabularyVectorsTest.load(models.get(m));
            int idDiffs = 0;
            int decodeDiffs = 0;
            if (tok.addsBos() != ref.addBos()) {
                idDiffs++;
                diffs.addObject().put("model", MODELS.get(m)).put("what", "addBos ours " + tok.addsBos());
            }
            for (int i = 0; i < strings.size(); i++) {
                String s = strings.get(i);
                LlamaCppTokenizerReference.Result r = ref.results().get(i);
                for (boolean parseSpecial : new boolean[] {false, true}) {
                    int[] expected = parseSpecial ? r.special() : r.plain();
                    int[] got = tok.encode(s, false, parseSpecial);
                    if (!Arrays.equals(expected, got)) {
                        idDiffs++;
                        ObjectNode d = diffs.addObject().put("model", MODELS.get(m)).put("text", s)
                                .put("parseSpecial", parseSpecial);
                        d.set("expected", json.valueToTree(expected));
                        d.set("got", json.valueToTree(got));
                    }
                }
                int[] withSpecial = tok.encode(s, true, true);
                int bodyStart = ref.addBos() ? 1 : 0;
                boolean bosOk = !ref.addBos() || (withSpecial.length > 0 && withSpecial[0] == ref.bos());
                boolean bodyOk = withSpecial.length >= bodyStart + r.special().length && Arrays.equals(r.special(),
                        Arrays.copyOfRange(withSpecial, bodyStart, bodyStart + r.special().length));
                if (!bosOk || !bodyOk) {
                    idDiffs++;
                    diffs.addObject().put("model", MODELS.get(m)).put("text", s).put("what", "with BOS/EOS: "
                            + Arrays.toString(withSpecial));
                }
                String decoded = tok.decode(r.plain());
                if (!decoded.equals(r.detokenized())) {
                    decodeDiffs++;
                    ObjectNode d = diffs.addObject().put("model", MODELS.get(m)).put("text", s)
                            .put("what", "decode");
                    d.put("expected", r.detokenized()).put("got", decoded);
                }
            }
            summary.add(MODELS.get(m) + ": " + strings.size() + " strings, " + idDiffs + " id differences, "
                    + decodeDiffs + " decode differences");
        }
        String diffFile = System.getProperty("kvlens.tokx.diffs");
        if (diffFile != null) {
            json.writerWithDefaultPrettyPrinter().writeValue(Path.of(diffFile).toFile(), diffs);
        }
        System.out.println(String.join("\n", summary));
        assertTrue(diffs.isEmpty(), diffs.size() + " differences from llama.cpp:\n" + String.join("\n", summary)
                + "\nfirst: " + (diffs.isEmpty() ? "" : diffs.get(0).toPrettyString()));
    }
}
