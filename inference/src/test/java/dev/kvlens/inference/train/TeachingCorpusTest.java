package dev.kvlens.inference.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The corpus against the probe formats as the task classes define them (their literal texts are
 * written out here, so a change to either side shows), its determinism, lengths and mix.
 */
class TeachingCorpusTest {

    // The probes' texts, from PasskeyTask, NeedleTask, NameRecallTask and Filler.
    private static final String HEADER = "There is an important info hidden inside a lot of irrelevant text. Find it"
            + " and memorize it. I will quiz you about the important information there.";
    private static final String PASSKEY_FILLER = "The grass is green. The sky is blue. The sun is yellow. Here we go."
            + " There and back again.";
    private static final List<String> STORY = List.of("The sun was warm and the sky was blue.",
            "A little bird sang in the big green tree.", "The dog ran around the garden and barked.",
            "They played with a red ball all day.", "Mom made a yummy cake for everyone.", "The cat slept on the soft bed.",
            "The children laughed and ran to the park.", "It started to rain, so they went inside.",
            "Dad read a book about a brave bear.", "The flowers were pretty and smelled nice.",
            "A small frog jumped into the pond.", "They shared their toys and were happy.");
    private static final String WORDS = "apple|rocket|purple|banana|castle|pirate|garden|dragon|cookie|rainbow";
    private static final String NAMES = "Lily|Tom|Ben|Mia|Sue|Tim|Anna|Sam|Zoe|Max|Jack|Lucy";

    private static final String S = "(?:" + STORY.stream().map(Pattern::quote).collect(Collectors.joining("|")) + ")";
    private static final Pattern PASSKEY = Pattern.compile("^" + Pattern.quote(HEADER) + " (?:" + Pattern.quote(PASSKEY_FILLER)
            + " )*The pass key is (\\d{5})\\. Remember it\\. \\1 is the pass key\\.(?: " + Pattern.quote(PASSKEY_FILLER)
            + ")* What is the pass key\\? The pass key is \\1\\.$");
    private static final Pattern NEEDLE = Pattern.compile("^(?:" + S + " )*The magic word is (" + WORDS + ")\\.(?: " + S
            + ")* What is the magic word\\? The magic word is \\1\\.$");
    private static final Pattern NAME_RECALL = Pattern.compile("^Once upon a time, there was a little girl named ("
            + NAMES + ")\\.(?: " + S + ")* At the end of the day, the little girl said her name\\. Her name was \\1\\.$");

    private static final int CONTEXT = 512;
    private static final TeachingCorpus CORPUS = new TeachingCorpus(CorpusRecipe.defaults(CONTEXT), 2024);
    private static final Map<DocumentKind, List<String>> BY_KIND = new EnumMap<>(DocumentKind.class);
    private static Tokenizer tokenizer;

    @BeforeAll
    static void generate() {
        for (int i = 0; i < 2000; i++) {
            TeachingCorpus.Document d = CORPUS.generate(i);
            BY_KIND.computeIfAbsent(d.kind(), k -> new ArrayList<>()).add(d.text());
        }
        tokenizer = BpeVocabularyTrainer.train(CORPUS.documents(400), 1024).tokenizer();
    }

    @Test
    void sameSeedAndIndexGiveTheSameDocument() {
        TeachingCorpus again = new TeachingCorpus(CorpusRecipe.defaults(CONTEXT), 2024);
        for (long i : new long[] {0, 1, 17, 1999, 1L << 40}) {
            assertEquals(CORPUS.document(i), again.document(i));
        }
        assertNotEquals(CORPUS.document(5), CORPUS.document(6));
        assertNotEquals(CORPUS.document(5), new TeachingCorpus(CorpusRecipe.defaults(CONTEXT), 2025).document(5));
        // documents do not depend on which were generated before
        assertEquals(CORPUS.document(1999), new TeachingCorpus(CorpusRecipe.defaults(CONTEXT), 2024).document(1999));
    }

    @Test
    void kindsFollowTheMix() {
        Map<DocumentKind, Double> mix = CORPUS.recipe().mix();
        double total = mix.values().stream().mapToDouble(Double::doubleValue).sum();
        for (DocumentKind k : DocumentKind.values()) {
            double share = BY_KIND.getOrDefault(k, List.of()).size() / 2000.0;
            assertEquals(mix.getOrDefault(k, 0.0) / total, share, 0.03, k.key);
        }
        CorpusRecipe onlyPasskey = new CorpusRecipe(256, 0.5, Map.of(DocumentKind.PASSKEY, 1.0));
        for (int i = 0; i < 50; i++) {
            assertEquals(DocumentKind.PASSKEY, new TeachingCorpus(onlyPasskey, 1).generate(i).kind());
        }
    }

    @Test
    void probeDocumentsAreTheTaskPromptsVerbatimWithTheirAnswers() {
        assertAll(DocumentKind.PASSKEY, PASSKEY);
        assertAll(DocumentKind.NEEDLE, NEEDLE);
        assertAll(DocumentKind.NAME_RECALL, NAME_RECALL);
    }

    private static void assertAll(DocumentKind kind, Pattern format) {
        List<String> docs = BY_KIND.get(kind);
        assertTrue(docs.size() > 100, kind + ": " + docs.size());
        for (String d : docs) {
            assertTrue(format.matcher(d).matches(), kind + " does not have the probe's format: " + d);
        }
    }

    /** What the model is trained on continues exactly the tokens the probe's prompt encodes to. */
    @Test
    void probePromptTokensArePrefixesOfTheDocumentTokens() {
        Map<DocumentKind, String> promptEnd = Map.of(DocumentKind.PASSKEY, "The pass key is ",
                DocumentKind.NEEDLE, "The magic word is", DocumentKind.NAME_RECALL, "Her name was");
        promptEnd.forEach((kind, end) -> {
            for (String d : BY_KIND.get(kind).subList(0, 40)) {
                String prompt = d.substring(0, d.lastIndexOf(end) + end.length());
                int[] p = tokenizer.encode(prompt, true, false);
                int[] all = tokenizer.encode(d, true, false);
                assertArrayEquals(p, Arrays.copyOf(all, p.length), kind + ": " + prompt);
                String rest = tokenizer.decode(Arrays.copyOfRange(all, p.length, all.length));
                assertEquals(d.substring(prompt.length()), rest);
            }
        });
    }

    @Test
    void documentsFitTheContextAndProbesReachItsEnd() {
        for (Map.Entry<DocumentKind, List<String>> e : BY_KIND.entrySet()) {
            int longest = 0;
            int shortest = Integer.MAX_VALUE;
            for (String d : e.getValue()) {
                int tokens = tokenizer.encode(d, true, false).length + 1; // BOS, text, EOS
                assertTrue(tokens <= CONTEXT, e.getKey() + " has " + tokens + " tokens: " + d);
                longest = Math.max(longest, tokens);
                shortest = Math.min(shortest, tokens);
            }
            if (e.getKey() != DocumentKind.COPY) {
                assertTrue(longest >= 0.9 * CONTEXT, e.getKey() + " longest " + longest);
                assertTrue(shortest <= 0.3 * CONTEXT, e.getKey() + " shortest " + shortest);
            }
        }
    }

    @Test
    void numberDocumentsRepeatTheirListAndFitTheContext() {
        CorpusRecipe numbers = new CorpusRecipe(128, 0.5, Map.of(DocumentKind.NUMBERS, 1.0));
        TeachingCorpus corpus = new TeachingCorpus(numbers, 3);
        Pattern format = Pattern.compile("^Copy these numbers: ((?:[1-9]\\d{0,5} )*[1-9]\\d{0,5})\\. Again: \\1\\.$");
        int longest = 0;
        for (int i = 0; i < 300; i++) {
            TeachingCorpus.Document d = corpus.generate(i);
            Matcher m = format.matcher(d.text());
            assertTrue(m.matches(), d.text());
            assertEquals(List.of(new TeachingCorpus.Span(d.text().indexOf(". Again:") + 8, d.text().length() - 1)),
                    d.answers(), d.text());
            int tokens = tokenizer.encode(d.text(), true, false).length + 1;
            assertTrue(tokens <= 128, tokens + " tokens: " + d.text());
            longest = Math.max(longest, tokens);
        }
        assertTrue(longest >= 0.8 * 128, "half the documents fill the context: " + longest);
    }

    @Test
    void passkeysSitAtAllDepths() {
        double lowest = 1;
        double highest = 0;
        for (String d : BY_KIND.get(DocumentKind.PASSKEY)) {
            int key = d.indexOf("The pass key is ");
            int before = count(d.substring(0, key), PASSKEY_FILLER);
            int all = count(d, PASSKEY_FILLER);
            if (all >= 10) {
                lowest = Math.min(lowest, before / (double) all);
                highest = Math.max(highest, before / (double) all);
            }
        }
        assertTrue(lowest < 0.1 && highest > 0.9, lowest + " .. " + highest);
    }

    @Test
    void otherKindsStateWhatTheyAskBeforeAsking() {
        for (String d : BY_KIND.get(DocumentKind.HIDDEN_NUMBER)) {
            Matcher m = Pattern.compile("What is the ([a-z ]+)\\? The \\1 is (\\d{3,6})\\.$").matcher(d);
            assertTrue(m.find(), d);
            assertTrue(d.indexOf("The " + m.group(1) + " is " + m.group(2) + ".") < m.start(), d);
        }
        for (String d : BY_KIND.get(DocumentKind.FACT_RECALL)) {
            Matcher q = Pattern.compile("What is the key to the ([a-z]+ [a-z]+)\\? (The key to the \\1 is \\d{4}\\.)").matcher(d);
            Matcher where = Pattern.compile("Where is the ([a-z]+ [a-z]+)\\? The \\1 is in the ([a-z]+)\\.").matcher(d);
            int asked = 0;
            while (q.find()) {
                assertTrue(d.indexOf(q.group(2)) < q.start(), d);
                asked++;
            }
            while (where.find()) {
                assertTrue(d.indexOf(" put the " + where.group(1) + " in the " + where.group(2) + ".") >= 0, d);
                asked++;
            }
            Matcher stated = Pattern.compile("The key to the ([a-z]+ [a-z]+) is \\d{4}\\.").matcher(d);
            int statements = 0;
            while (stated.find()) {
                statements++;
            }
            assertTrue(asked > 0 || statements >= 2, d); // a fact is stated, then asked for or stated again
            Matcher last = Pattern.compile("(The key to the [a-z]+ [a-z]+ is \\d{4}\\.)$").matcher(d);
            if (last.find()) {
                assertTrue(d.indexOf(last.group(1)) < last.start(), d);
            }
        }
        for (String d : BY_KIND.get(DocumentKind.KEY_VALUE)) {
            Matcher m = Pattern.compile("What is the number for ([a-z]+)\\? The number for \\1 is (\\d+)\\.").matcher(d);
            assertTrue(m.find(), d);
            do {
                int listed = d.indexOf(" " + m.group(1) + ": " + m.group(2) + ".");
                assertTrue(listed >= 0 && listed < m.start(), d);
            } while (m.find());
        }
        Pattern words = Pattern.compile("^Copy these words: ([^.]+)\\.(?: Again: \\1\\.){1,2}$");
        Pattern passage = Pattern.compile("^Listen to this story\\. (.*) Now I will tell it again\\. \\1$");
        for (String d : BY_KIND.get(DocumentKind.COPY)) {
            assertTrue(words.matcher(d).matches() || passage.matcher(d).matches(), d);
        }
        for (String d : BY_KIND.get(DocumentKind.STORY)) {
            Matcher hero = Pattern.compile("^Once upon a time, there was a little (girl|boy) named ([A-Z][a-z]+)\\.").matcher(d);
            assertTrue(hero.find(), d);
            Matcher name = Pattern.compile("(Her|His) name was ([A-Z][a-z]+)\\.$").matcher(d);
            if (name.find()) {
                assertEquals(hero.group(2), name.group(2), d);
                continue;
            }
            Matcher who = Pattern.compile("Who had the ([a-z]+ [a-z]+)\\? ([A-Z][a-z]+) had the \\1\\.").matcher(d);
            Matcher what = Pattern.compile("What did ([A-Z][a-z]+) have\\? (\\1 had an? [a-z]+ [a-z]+\\.)").matcher(d);
            int asked = 0;
            while (who.find()) {
                assertTrue(d.matches("(?s).*" + who.group(2) + " had an? " + who.group(1) + "\\..*"), d);
                asked++;
            }
            while (what.find()) {
                assertTrue(d.indexOf(what.group(2)) < what.start(), d);
                asked++;
            }
            assertTrue(asked > 0, d);
        }
    }

    @Test
    void answersAreMarkedAndWereStatedBefore() {
        Map<DocumentKind, Pattern> probeAnswers = Map.of(
                DocumentKind.PASSKEY, Pattern.compile("\\d{5}"), // the passkey prompt ends with the space
                DocumentKind.NEEDLE, Pattern.compile(" (?:" + WORDS + ")"),
                DocumentKind.NAME_RECALL, Pattern.compile(" (?:" + NAMES + ")"));
        for (long i = 0; i < 2000; i++) {
            TeachingCorpus.Document d = CORPUS.generate(i);
            String t = d.text();
            assertTrue(!d.answers().isEmpty(), d.toString());
            assertTrue(t.chars().allMatch(c -> c < 128), "not ASCII (answerTokens relies on it): " + t);
            int previousEnd = 0;
            for (TeachingCorpus.Span a : d.answers()) {
                assertTrue(a.start() >= previousEnd && a.end() > a.start() && a.end() <= t.length(), d.toString());
                String said = t.substring(a.start(), a.end());
                assertTrue(t.indexOf(said) < a.start(), "answer '" + said + "' was not stated before: " + t);
                previousEnd = a.end();
            }
            Pattern probe = probeAnswers.get(d.kind());
            if (probe != null) {
                assertEquals(1, d.answers().size());
                TeachingCorpus.Span a = d.answers().getFirst();
                assertTrue(probe.matcher(t.substring(a.start(), a.end())).matches(), t);
                assertEquals(t.length() - 1, a.end()); // only the final period follows
            }
        }
    }

    @Test
    void answerTokensAreTheTokensOfTheAnswerText() {
        for (long i = 0; i < 300; i++) {
            TeachingCorpus.Document d = CORPUS.generate(i);
            int[] ids = tokenizer.encode(d.text(), false, false);
            boolean[] marked = d.answerTokens(ids, tokenizer);
            StringBuilder answers = new StringBuilder();
            for (int k = 0; k < ids.length; k++) {
                if (marked[k]) {
                    answers.append(tokenizer.decode(new int[] {ids[k]}));
                }
            }
            String expected = d.answers().stream().map(a -> d.text().substring(a.start(), a.end()))
                    .collect(Collectors.joining());
            assertEquals(expected, answers.toString(), d.text());
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
