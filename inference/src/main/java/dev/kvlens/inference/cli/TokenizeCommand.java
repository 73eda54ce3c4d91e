package dev.kvlens.inference.cli;

import dev.kvlens.inference.tokenizer.Tokenizer;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kvlens tokenize}: the token ids of a text, as llama.cpp's {@code llama-tokenize --ids} prints them. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Print the token ids of a text as a JSON array.",
                "BOS is included when the model adds one; special tokens written in the text are recognised."})
final class TokenizeCommand extends Subcommand {

    @Option(names = {"-m", "--model"}, paramLabel = "PATH",
            description = "A GGUF file (only its header is read) or a Hugging Face folder (its tokenizer.json). Default: the bundled model.")
    Path model;

    @Option(names = {"-t", "--text"}, required = true, paramLabel = "TEXT", description = "The text to tokenize.")
    String text;

    @Override
    int run() {
        Tokenizer tokenizer = TokenizerFiles.load(model);
        out().println(Json.write(tokenizer.encode(text, true, true)));
        out().flush();
        return 0;
    }
}
