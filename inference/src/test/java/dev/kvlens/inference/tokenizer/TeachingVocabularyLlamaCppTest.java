package dev.kvlens.inference.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kvlens.inference.gguf.GgufWriter;
import dev.kvlens.inference.train.BpeVocabularyTrainer;
import dev.kvlens.inference.train.CorpusRecipe;
import dev.kvlens.inference.train.TeachingCorpus;
import dev.kvlens.inference.train.TrainedVocabulary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * llama.cpp loads the teaching model's trained vocabulary from the metadata {@link TrainedVocabulary#writeTo}
 * writes and tokenizes corpus documents and stress strings exactly as the engine's tokenizer does.
 * Skipped (with the reason) when tools/llamacpp is not installed.
 */
class TeachingVocabularyLlamaCppTest {

    @Test
    void llamaCppTokenizesLikeTheEngine(@TempDir Path dir) throws Exception {
        String reason = LlamaCppTokenizerReference.unavailableReason();
        assumeTrue(reason == null, reason);
        TeachingCorpus corpus = new TeachingCorpus(CorpusRecipe.defaults(512), 42);
        TrainedVocabulary vocab = BpeVocabularyTrainer.train(corpus.documents(500), 1024);
        Path file = dir.resolve("teaching-vocab.gguf");
        GgufWriter w = new GgufWriter();
        // llama.cpp reads the architecture and its hyperparameters even for a vocabulary-only load
        w.putString("general.architecture", "llama");
        w.putUint32("llama.context_length", 512);
        w.putUint32("llama.embedding_length", 128);
        w.putUint32("llama.block_count", 1);
        w.putUint32("llama.feed_forward_length", 256);
        w.putUint32("llama.attention.head_count", 4);
        w.putUint32("llama.attention.head_count_kv", 2);
        w.putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        vocab.writeTo(w);
        w.write(file);

        List<String> strings = new ArrayList<>();
        for (int i = 10_000; i < 10_150; i++) {
            strings.add(corpus.document(i));
        }
        strings.addAll(new TokenizerStressStrings(7, GgufVocabularyVectorsTest.VOCABS).generate(150));
        LlamaCppTokenizerReference.ModelResults ref = LlamaCppTokenizerReference.tokenize(strings, List.of(file), dir)
                .getFirst();
        Tokenizer ours = vocab.tokenizer();
        assertEquals(ours.addsBos(), ref.addBos());
        assertEquals(ours.bos(), ref.bos());
        assertEquals(ours.eos(), ref.eos());
        for (int i = 0; i < strings.size(); i++) {
            String s = strings.get(i);
            LlamaCppTokenizerReference.Result r = ref.results().get(i);
            assertArrayEquals(r.plain(), ours.encode(s, false, false), s);
            assertArrayEquals(r.special(), ours.encode(s, false, true), s);
            assertEquals(r.detokenized(), ours.decode(r.plain()), s);
        }
    }
}
