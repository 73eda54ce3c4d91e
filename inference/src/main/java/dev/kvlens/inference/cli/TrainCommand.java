package dev.kvlens.inference.cli;

import dev.kvlens.inference.tokenizer.Tokenizer;
import dev.kvlens.inference.train.BpeVocabularyTrainer;
import dev.kvlens.inference.train.LlamaTrainer;
import dev.kvlens.inference.train.LossPoint;
import dev.kvlens.inference.train.MarkedTokens;
import dev.kvlens.inference.train.ModelCard;
import dev.kvlens.inference.train.PackedWindows;
import dev.kvlens.inference.train.TeachingCorpus;
import dev.kvlens.inference.train.TeachingModelExporter;
import dev.kvlens.inference.train.TrainedVocabulary;
import dev.kvlens.inference.train.TrainingPhase;
import dev.kvlens.inference.train.TrainingRecipe;
import dev.kvlens.kernels.GgmlType;
import dev.kvlens.kernels.backend.Nd4jBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kvlens train}: a recipe in, a GGUF out. The teaching corpus generates documents 0, 1, 2,
 * ...; a byte-level BPE vocabulary is trained on the first {@code tokenizer.sample_documents}; each
 * document is encoded as BOS + tokens + EOS with its answer tokens marked, and documents are packed
 * into windows of context + 1 tokens, each window starting at a document's start
 * ({@link PackedWindows}); the Llama trains phase by phase (each with its own context, documents
 * sized to it, and batch; one phase at the model's context unless the recipe has several); the
 * result is written with the vocabulary and a model card.
 */
@Command(name = "train", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Train a small Llama on the synthetic teaching corpus (ND4J SameDiff, CPU) and write it as GGUF.",
                "Progress (step, loss, tokens/s, ETA) goes to stderr."})
final class TrainCommand extends Subcommand {

    @Option(names = "--recipe", required = true, paramLabel = "FILE",
            description = "Training recipe (JSON: seed, corpus, tokenizer, model, training, output).")
    Path recipeFile;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "The GGUF file to write.")
    Path out;

    /**
     * ND4J's operations ran 2.7x slower on two OpenMP threads than on one (teaching shape, 2 cores), but
     * two graphs on two threads, each on half the batch, ran 1.8x the tokens: threads split the batch.
     */
    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Threads, each training on its share of the batch with single-threaded ND4J operations; "
                    + "the recipe's batch must be a multiple (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--max-steps", paramLabel = "N",
            description = "Stop after N steps (a trial: the recipe's learning-rate schedule is kept) and write what was trained.")
    Integer maxSteps;

    @Override
    int run() {
        TrainingRecipe recipe = TrainingRecipe.read(recipeFile);
        Path parent = out.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new BadArgumentException("--out " + out + ": the folder " + parent + " does not exist");
        }
        if (threads < 1 || threads > 1024) {
            throw new BadArgumentException("--threads must be between 1 and 1024, got " + threads);
        }
        // Before ND4J loads: the JavaCPP cache folder and OpenBLAS's kernels for this CPU.
        Nd4jBackend.prepareNatives();
        Nd4j.getEnvironment().setMaxThreads(1);
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        Nd4j.factory().blas().setMaxThreads(1);
        if (maxSteps != null && maxSteps < 1) {
            throw new BadArgumentException("--max-steps must be at least 1, got " + maxSteps);
        }
        long started = System.nanoTime();
        TeachingCorpus corpus = new TeachingCorpus(recipe.corpus(), recipe.seed());
        TrainedVocabulary vocabulary = BpeVocabularyTrainer.train(corpus.documents(recipe.tokenizerDocuments()),
                recipe.vocabSize());
        Tokenizer tokenizer = vocabulary.tokenizer();
        err().printf(Locale.ROOT, "tokenizer: %s, trained on %,d documents in %.1f s%n", vocabulary,
                recipe.tokenizerDocuments(), (System.nanoTime() - started) / 1e9);

        LlamaTrainer trainer = new LlamaTrainer(recipe.model(), vocabulary.size(), recipe.training(), recipe.seed());
        trainer.useThreads(threads);
        int steps = maxSteps == null ? recipe.training().steps() : Math.min(maxSteps, recipe.training().steps());
        err().printf(Locale.ROOT, "model: %d layers, dim %d, %d heads / %d KV, FFN %d, context %d, vocabulary %d,"
                        + " %,d parameters; %,d steps%s; answers weigh %s%n", recipe.model().layers(),
                recipe.model().dim(), recipe.model().heads(), recipe.model().kvHeads(), recipe.model().ffn(),
                recipe.model().context(), vocabulary.size(), recipe.model().parameters(vocabulary.size()), steps,
                steps < recipe.training().steps() ? " (trial: the recipe has " + recipe.training().steps() + ")" : "",
                Units.number(recipe.training().answerWeight()));
        err().flush();
        long trainStart = System.nanoTime();
        List<LossPoint> curve = new ArrayList<>();
        long tokens = 0;
        long documents = 0;
        int phaseEnd = 0;
        for (TrainingPhase phase : recipe.phases()) {
            phaseEnd += phase.steps();
            if (trainer.stepsDone() >= steps) {
                break;
            }
            if (phase.batch() % threads != 0) {
                throw new BadArgumentException("--threads " + threads + " does not divide the batch " + phase.batch()
                        + " of the phase at context " + phase.context());
            }
            err().printf(Locale.ROOT, "phase: context %d, %,d windows a step, steps %d-%d%n", phase.context(),
                    phase.batch(), trainer.stepsDone() + 1, Math.min(phaseEnd, steps));
            TeachingCorpus phaseCorpus = new TeachingCorpus(recipe.corpusFor(phase), recipe.seed());
            PackedWindows windows = new PackedWindows(i -> encode(phaseCorpus.generate(i), tokenizer, vocabulary),
                    phase.context(), documents);
            int before = trainer.stepsDone();
            curve.addAll(trainer.train(windows, phase.batch(), err(), Math.min(phaseEnd, steps)));
            tokens += (long) (trainer.stepsDone() - before) * phase.batch() * phase.context();
            documents = windows.nextDocument();
        }
        double trainSeconds = (System.nanoTime() - trainStart) / 1e9;

        double finalLoss = curve.getLast().loss();
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("recipe", recipe.text());
        facts.put("seed", recipe.seed());
        facts.put("steps", trainer.stepsDone());
        facts.put("tokens", tokens);
        facts.put("documents", documents);
        facts.put("final_loss", finalLoss);
        facts.put("loss_curve", curve.stream().map(p -> String.format(Locale.ROOT, "%d:%.4f", p.step(), p.loss()))
                .collect(Collectors.joining(" ")));
        facts.put("answer_loss_curve", curve.stream()
                .map(p -> String.format(Locale.ROOT, "%d:%.4f", p.step(), p.answerLoss()))
                .collect(Collectors.joining(" ")));
        facts.put("seconds", Math.round(trainSeconds));
        String description = String.format(Locale.ROOT, "%s Trained by kvlens train: %,d steps, %,d tokens,"
                        + " final loss %.3f nats/token.", recipe.description(), trainer.stepsDone(),
                tokens, finalLoss);
        GgmlType type = recipe.weightType().equals("f16") ? GgmlType.F16 : GgmlType.F32;
        long bytes = TeachingModelExporter.export(trainer, vocabulary::writeTo, new ModelCard(recipe.name(), description,
                facts), type, out);
        out().printf(Locale.ROOT, "wrote %s: %s, %,d steps, final loss %.4f, %s, trained in %.1f min%n", out,
                recipe.name(), trainer.stepsDone(), finalLoss, Units.bytes(bytes), trainSeconds / 60);
        out().flush();
        return 0;
    }

    /** BOS + the document's tokens + EOS, its answer tokens marked. */
    private static MarkedTokens encode(TeachingCorpus.Document document, Tokenizer tokenizer,
                                       TrainedVocabulary vocabulary) {
        int[] body = tokenizer.encode(document.text(), false, false);
        boolean[] answers = document.answerTokens(body, tokenizer);
        int[] ids = new int[body.length + 2];
        boolean[] marks = new boolean[ids.length];
        ids[0] = vocabulary.bos();
        System.arraycopy(body, 0, ids, 1, body.length);
        System.arraycopy(answers, 0, marks, 1, body.length);
        ids[ids.length - 1] = vocabulary.eos();
        return new MarkedTokens(ids, marks);
    }
}
