package dev.kvlens.inference.train;

import dev.kvlens.inference.session.task.Filler;
import dev.kvlens.inference.session.task.NameRecallTask;
import dev.kvlens.inference.session.task.NeedleTask;
import dev.kvlens.inference.session.task.PasskeyTask;
import dev.kvlens.inference.session.task.TaskPrompt;
import dev.kvlens.inference.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/**
 * The teaching model's synthetic training text. Most documents retrieve a fact from far back: the
 * probes the model is measured with (PasskeyTask, NeedleTask, NameRecallTask prompts verbatim, each
 * followed by its answer as the model should generate it) with fresh keys, words, names and depths,
 * and variations on them (other labels, several facts, lists, copies, stories). Filler lengths run up
 * to what fills the recipe's context. {@code document(i)} depends only on (recipe, seed, i).
 */
public final class TeachingCorpus {

    /** The probes' texts and this corpus's own templates: the words every trained vocabulary holds whole. */
    private static final TokenEstimate ESTIMATE = new TokenEstimate(templates());

    private static List<String> templates() {
        List<String> t = new ArrayList<>(Filler.STORY_SENTENCES);
        t.add(PasskeyTask.generate(0, 1, 0).prompt());
        t.add(NeedleTask.generate(0, 0, 0).prompt());
        t.add(NameRecallTask.generate(0, 0).prompt());
        t.addAll(List.of("What is the number for? The number for is.", "Here is a list of words and their numbers.",
                "Copy these words: Again:", "Listen to this story. Now I will tell it again.",
                "Who had the? had the. What did have? had a an.", "was 's friend.", "The key to the is.",
                "What is the key to the? Where is the? is in the. put the in the.", "Remember it.",
                "At the end of the day, the little boy said his name. His name was"));
        return t;
    }

    /** Marks an answer inside a document while it is built (private-use characters, removed from the text). */
    static final char ANSWER_START = '\uE000';
    static final char ANSWER_END = '\uE001';

    private static String answer(String text) {
        return ANSWER_START + text + ANSWER_END;
    }

    /** Characters {@code [start, end)} of a document's text. */
    public record Span(int start, int end) {
    }

    /**
     * One document with the kind that made it and where its answers are: the text a model can only
     * produce by retrieving something stated earlier (the probe's completion such as " 48213", a queried
     * number, name or place, the repeated copy of a segment), for weighting the loss on them.
     */
    public record Document(DocumentKind kind, String text, List<Span> answers) {

        public Document {
            answers = List.copyOf(answers);
        }

        /**
         * Which of {@code ids} (the encoding of {@link #text}, without BOS) overlap an answer. The corpus is
         * ASCII, so every token decodes to whole characters on its own.
         *
         * @throws IllegalArgumentException when the ids do not decode to the text
         */
        public boolean[] answerTokens(int[] ids, Tokenizer tokenizer) {
            boolean[] marked = new boolean[ids.length];
            int at = 0;
            int span = 0;
            for (int i = 0; i < ids.length; i++) {
                int end = at + tokenizer.decode(new int[] {ids[i]}).length();
                while (span < answers.size() && answers.get(span).end() <= at) {
                    span++;
                }
                marked[i] = span < answers.size() && answers.get(span).start() < end;
                at = end;
            }
            if (at != text.length()) {
                throw new IllegalArgumentException("the ids decode to " + at + " characters, the text has " + text.length());
            }
            return marked;
        }
    }

    private final CorpusRecipe recipe;
    private final long seed;
    private final DocumentKind[] kinds;
    private final double[] cumulative;
    private final int budget;

    public TeachingCorpus(CorpusRecipe recipe, long seed) {
        this.recipe = recipe;
        this.seed = seed;
        List<DocumentKind> ks = new ArrayList<>();
        List<Double> cs = new ArrayList<>();
        double total = recipe.mix().values().stream().mapToDouble(Double::doubleValue).sum();
        double run = 0;
        for (Map.Entry<DocumentKind, Double> e : recipe.mix().entrySet()) {
            if (e.getValue() > 0) {
                run += e.getValue() / total;
                ks.add(e.getKey());
                cs.add(run);
            }
        }
        this.kinds = ks.toArray(DocumentKind[]::new);
        this.cumulative = cs.stream().mapToDouble(Double::doubleValue).toArray();
        this.cumulative[cumulative.length - 1] = 1.0;
        this.budget = budget(recipe.contextTokens());
    }

    /**
     * Estimated tokens a document may have in a context of {@code contextTokens}: all but BOS and EOS. The
     * estimate is an upper bound for a vocabulary trained on a few hundred documents or more with room for
     * all its merges (about 830 tokens); a smaller vocabulary splits template words and overruns.
     */
    static int budget(int contextTokens) {
        return contextTokens - 2;
    }

    public CorpusRecipe recipe() {
        return recipe;
    }

    public long seed() {
        return seed;
    }

    /** One training document (plain text, no BOS/EOS). */
    public String document(long index) {
        return generate(index).text();
    }

    /** Documents 0 to {@code count - 1}, e.g. the sample a vocabulary is trained on. */
    public List<String> documents(int count) {
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(document(i));
        }
        return out;
    }

    public Document generate(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("document index must be >= 0, got " + index);
        }
        SplittableRandom r = new SplittableRandom(mix64(mix64(seed) + index * 0x9E3779B97F4A7C15L));
        double u = r.nextDouble();
        int k = 0;
        while (k < kinds.length - 1 && u >= cumulative[k]) {
            k++;
        }
        DocumentKind kind = kinds[k];
        String text = switch (kind) {
            case PASSKEY -> passkey(r);
            case NEEDLE -> needle(r);
            case NAME_RECALL -> nameRecall(r);
            case HIDDEN_NUMBER -> hiddenNumber(r);
            case FACT_RECALL -> factRecall(r);
            case KEY_VALUE -> keyValue(r);
            case COPY -> copy(r);
            case NUMBERS -> numbers(r);
            case STORY -> story(r);
        };
        return unmark(kind, text);
    }

    private static Document unmark(DocumentKind kind, String marked) {
        StringBuilder text = new StringBuilder(marked.length());
        List<Span> spans = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < marked.length(); i++) {
            char c = marked.charAt(i);
            if (c == ANSWER_START) {
                start = text.length();
            } else if (c == ANSWER_END) {
                spans.add(new Span(start, text.length()));
            } else {
                text.append(c);
            }
        }
        return new Document(kind, text.toString(), spans);
    }

    // ---- the probe formats, verbatim ----

    private String passkey(SplittableRandom r) {
        long taskSeed = r.nextLong();
        double depth = r.nextDouble();
        int target = target(r);
        IntFunction<String> make = n -> {
            TaskPrompt p = PasskeyTask.generate(taskSeed, n, depth);
            return p.prompt() + answer(p.completion()) + ".";
        };
        return make.apply(largestFitting(make, target));
    }

    private String needle(SplittableRandom r) {
        long taskSeed = r.nextLong();
        double depth = r.nextDouble();
        int target = target(r);
        IntFunction<String> make = n -> {
            TaskPrompt p = NeedleTask.generate(taskSeed, n, depth);
            return p.prompt() + answer(p.completion()) + ".";
        };
        return make.apply(largestFitting(make, target));
    }

    private String nameRecall(SplittableRandom r) {
        long taskSeed = r.nextLong();
        int target = target(r);
        IntFunction<String> make = n -> {
            TaskPrompt p = NameRecallTask.generate(taskSeed, n);
            return p.prompt() + answer(p.completion()) + ".";
        };
        return make.apply(largestFitting(make, target));
    }

    /** The largest filler count whose text fits {@code target} (0 when none does); texts grow with the count. */
    private static int largestFitting(IntFunction<String> make, int target) {
        int base = ESTIMATE.of(make.apply(0));
        if (base >= target) {
            return 0;
        }
        int unit = Math.max(1, ESTIMATE.of(make.apply(1)) - base);
        int lo = 0; // fits
        int hi = 2 * (target - base) / unit + 2; // a guess; widened until it does not fit
        while (ESTIMATE.of(make.apply(hi)) <= target) {
            lo = hi;
            hi *= 2;
        }
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (ESTIMATE.of(make.apply(mid)) <= target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    // ---- variations ----

    private static final List<String> NUMBER_LABELS = List.of("pass key", "secret code", "magic number",
            "lucky number", "door code", "secret number", "special number");

    private String hiddenNumber(SplittableRandom r) {
        String label = pick(r, NUMBER_LABELS);
        String number = digits(r, 3 + r.nextInt(4));
        String fact = "The " + label + " is " + number + "." + (r.nextBoolean() ? " Remember it." : "");
        String question = "What is the " + label + "? The " + label + " is" + answer(" " + number) + ".";
        return withFiller(r, List.of(fact), question, target(r), false);
    }

    private static final List<String> COLORS = List.of("red", "blue", "green", "yellow", "pink", "brown", "black",
            "white", "purple", "orange", "gold", "silver");
    private static final List<String> LOCKED = List.of("box", "door", "chest", "jar", "gate", "shed", "car", "safe");
    private static final List<String> THINGS = List.of("ball", "kite", "hat", "cup", "book", "doll", "boat", "drum",
            "bag", "shoe", "sock", "spoon", "train", "bear", "bike", "flag");
    private static final List<String> PLACES = List.of("kitchen", "garden", "attic", "basement", "closet", "barn",
            "bedroom", "yard", "cellar", "garage");

    private String factRecall(SplittableRandom r) {
        int count = 1 + r.nextInt(4);
        List<String> facts = new ArrayList<>();
        List<String> queries = new ArrayList<>();
        List<String> used = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String color = pick(r, COLORS);
            if (r.nextInt(3) > 0) {
                String box = pick(r, LOCKED);
                if (used.contains(color + " " + box)) {
                    continue;
                }
                used.add(color + " " + box);
                String key = digits(r, 4);
                facts.add("The key to the " + color + " " + box + " is " + key + ".");
                String restated = "The key to the " + color + " " + box + " is" + answer(" " + key) + ".";
                queries.add(r.nextBoolean() ? restated
                        : "What is the key to the " + color + " " + box + "? " + restated);
            } else {
                String thing = pick(r, THINGS);
                if (used.contains(color + " " + thing)) {
                    continue;
                }
                used.add(color + " " + thing);
                String name = pick(r, NAMES);
                String place = pick(r, PLACES);
                facts.add(name + " put the " + color + " " + thing + " in the " + place + ".");
                queries.add("Where is the " + color + " " + thing + "? The " + color + " " + thing + " is in the"
                        + answer(" " + place) + ".");
            }
        }
        List<String> asked = shuffled(r, queries);
        asked = asked.subList(0, 1 + r.nextInt(asked.size()));
        return withFiller(r, facts, String.join(" ", asked), target(r), false);
    }

    private static final List<String> LIST_WORDS = List.of("apple", "rocket", "purple", "banana", "castle",
            "pirate", "garden", "dragon", "cookie", "rainbow", "tiger", "pencil", "window", "candle", "forest",
            "river", "button", "carrot", "turtle", "rabbit", "basket", "pillow", "lemon", "violin", "marble",
            "jacket", "ladder", "mirror", "anchor", "cherry", "robot", "puppy");

    private String keyValue(SplittableRandom r) {
        List<String> words = shuffled(r, LIST_WORDS);
        int items = 3 + r.nextInt(12);
        StringBuilder list = new StringBuilder("Here is a list of words and their numbers.");
        List<String> queries = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            String number = digits(r, 2 + r.nextInt(4));
            list.append(' ').append(words.get(i)).append(": ").append(number).append('.');
            queries.add("What is the number for " + words.get(i) + "? The number for " + words.get(i) + " is"
                    + answer(" " + number) + ".");
        }
        List<String> asked = shuffled(r, queries).subList(0, 1 + r.nextInt(Math.min(4, items)));
        return withFiller(r, List.of(list.toString()), String.join(" ", asked), target(r), true);
    }

    private String copy(SplittableRandom r) {
        int target = target(r);
        if (r.nextBoolean()) {
            // a sequence of loose words and digits, said twice or three times
            // an item is at most 4 estimated tokens (" 123", " rainbow") and the list is read twice at least
            int length = Math.max(2, Math.min(4 + r.nextInt(36), (target - 10) / 8));
            List<String> seq = new ArrayList<>(length);
            for (int i = 0; i < length; i++) {
                seq.add(switch (r.nextInt(4)) {
                    case 0 -> pick(r, LIST_WORDS);
                    case 1 -> pick(r, COLORS);
                    case 2 -> pick(r, NAMES);
                    default -> digits(r, 1 + r.nextInt(3));
                });
            }
            String words = String.join(" ", seq);
            StringBuilder out = new StringBuilder("Copy these words: ").append(words).append('.');
            int times = 1 + r.nextInt(2);
            for (int t = 0; t < times; t++) {
                String again = " Again:" + answer(" " + words) + ".";
                if (ESTIMATE.of(out + again) > target && t > 0) {
                    break;
                }
                out.append(again);
            }
            return out.toString();
        }
        // a passage of the story, then the same passage again
        int frame = ESTIMATE.ofFixed("Listen to this story. Now I will tell it again.");
        List<String> passage = fillerSentences(r, Math.max(10, (target - frame) / 2));
        String text = String.join(" ", passage);
        return "Listen to this story. " + text + " Now I will tell it again." + answer(" " + text);
    }

    private String numbers(SplittableRandom r) {
        int target = target(r);
        List<String> seq = new ArrayList<>();
        String doc;
        do {
            seq.add(digits(r, 1 + r.nextInt(6)));
            doc = numbersDocument(seq);
        } while (ESTIMATE.of(doc) <= target);
        if (seq.size() > 1) {
            seq.removeLast();
        }
        return numbersDocument(seq);
    }

    private static String numbersDocument(List<String> seq) {
        String numbers = String.join(" ", seq);
        return "Copy these numbers: " + numbers + ". Again:" + answer(" " + numbers) + ".";
    }

    private String story(SplittableRandom r) {
        List<String> names = shuffled(r, NAMES);
        int characters = 2 + r.nextInt(3);
        List<String> facts = new ArrayList<>();
        List<String> queries = new ArrayList<>();
        String hero = names.get(0);
        boolean girl = GIRLS.contains(hero);
        facts.add("Once upon a time, there was a little " + (girl ? "girl" : "boy") + " named " + hero + ".");
        List<String> owned = new ArrayList<>();
        for (int c = 0; c < characters; c++) {
            String name = names.get(c);
            String thing;
            do {
                thing = pick(r, COLORS) + " " + pick(r, THINGS);
            } while (owned.contains(thing));
            owned.add(thing);
            String had = name + " had " + article(thing) + " " + thing + ".";
            facts.add(c == 0 ? had : name + " was " + hero + "'s friend. " + had);
            queries.add(r.nextBoolean() ? "Who had the " + thing + "?" + answer(" " + name) + " had the " + thing + "."
                    : "What did " + name + " have? " + name + " had" + answer(" " + article(thing) + " " + thing) + ".");
        }
        List<String> ending = shuffled(r, queries).subList(0, 1 + r.nextInt(queries.size()));
        String end = String.join(" ", ending);
        if (r.nextInt(3) == 0) {
            end = "At the end of the day, the little " + (girl ? "girl" : "boy") + " said " + (girl ? "her" : "his")
                    + " name. " + (girl ? "Her" : "His") + " name was" + answer(" " + hero) + ".";
        }
        return withFiller(r, facts, end, target(r), true);
    }

    // ---- helpers ----

    private static final List<String> GIRLS = List.of("Lily", "Mia", "Sue", "Anna", "Zoe", "Lucy", "Emma", "Ella",
            "Ruby", "Ivy", "Rosa", "Kim");
    /** NameRecallTask's names first, then others of the same kind. */
    private static final List<String> NAMES = List.of("Lily", "Tom", "Ben", "Mia", "Sue", "Tim", "Anna", "Sam",
            "Zoe", "Max", "Jack", "Lucy", "Emma", "Leo", "Ella", "Finn", "Ruby", "Noah", "Ivy", "Jake", "Rosa", "Dan",
            "Kim", "Ned");

    /** Estimated tokens for this document: the whole budget, or (the rest) uniformly up to it. */
    private int target(SplittableRandom r) {
        return r.nextDouble() < recipe.fullContextShare() ? budget : 16 + r.nextInt(Math.max(1, budget - 15));
    }

    /**
     * {@code facts} spread through story filler (in order; the first at the start when
     * {@code factsFirst}), then {@code ending}, to about {@code target} estimated tokens.
     */
    private static String withFiller(SplittableRandom r, List<String> facts, String ending, int target,
                                     boolean factsFirst) {
        int fixed = ESTIMATE.of(ending);
        for (String f : facts) {
            fixed += ESTIMATE.of(" " + f);
        }
        List<String> parts = fillerSentences(r, target - fixed - 1);
        int[] at = new int[facts.size()];
        for (int i = 0; i < at.length; i++) {
            at[i] = factsFirst && i == 0 ? 0 : r.nextInt(parts.size() + 1);
        }
        java.util.Arrays.sort(at);
        for (int i = at.length - 1; i >= 0; i--) {
            parts.add(at[i], facts.get(i));
        }
        parts.add(ending);
        return String.join(" ", parts);
    }

    /** Story sentences (the probes' own) up to {@code words} estimated tokens. */
    private static List<String> fillerSentences(SplittableRandom r, int words) {
        List<String> out = new ArrayList<>();
        int used = 0;
        while (true) {
            String s = pick(r, Filler.STORY_SENTENCES);
            int cost = ESTIMATE.ofFixed(" " + s);
            if (used + cost > words) {
                return out;
            }
            out.add(s);
            used += cost;
        }
    }

    private static String article(String noun) {
        return "aeiou".indexOf(noun.charAt(0)) >= 0 ? "an" : "a";
    }

    private static String digits(SplittableRandom r, int count) {
        StringBuilder b = new StringBuilder(count);
        b.append((char) ('1' + r.nextInt(9)));
        for (int i = 1; i < count; i++) {
            b.append((char) ('0' + r.nextInt(10)));
        }
        return b.toString();
    }

    private static <T> T pick(SplittableRandom r, List<T> from) {
        return from.get(r.nextInt(from.size()));
    }

    private static <T> List<T> shuffled(SplittableRandom r, List<T> from) {
        List<T> out = new ArrayList<>(from);
        for (int i = out.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            T t = out.get(i);
            out.set(i, out.get(j));
            out.set(j, t);
        }
        return out;
    }

    /** Stafford's mix13 finalizer: nearby seeds and indices give unrelated streams. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
