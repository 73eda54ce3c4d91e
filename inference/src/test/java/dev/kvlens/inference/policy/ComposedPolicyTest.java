package dev.kvlens.inference.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvlens.inference.model.AttentionListener;
import dev.kvlens.inference.model.HeadAttention;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ComposedPolicyTest {

    /** Writes every call it gets into a shared log, e.g. "a.endPrefill", "a.attention@5". */
    private record Recording(String name, List<String> log, long bookkeeping, boolean listens) implements KvPolicy {
        @Override
        public PolicyDescriptor descriptor() {
            return new PolicyDescriptor(name, name.toUpperCase(), "paper " + name, "does " + name, false, false,
                    List.of(PolicyOption.number("x", "1", "an option")));
        }

        @Override
        public PolicyOptions options() {
            return PolicyOptions.defaults(name, descriptor().options());
        }

        @Override
        public Budget budget() {
            return Budget.entries(9);
        }

        private AttentionListener listener() {
            return listens ? a -> log.add(name + ".attention@" + a.position()) : null;
        }

        @Override
        public AttentionListener beginPrefill(PolicyContext context, int promptLength) {
            log.add(name + ".beginPrefill");
            return listener();
        }

        @Override
        public void endPrefill(PolicyContext context, CacheEditor editor) {
            log.add(name + ".endPrefill");
        }

        @Override
        public AttentionListener beginStep(PolicyContext context, int position) {
            log.add(name + ".beginStep");
            return listener();
        }

        @Override
        public void endStep(PolicyContext context, int position, CacheEditor editor) {
            log.add(name + ".endStep");
        }

        @Override
        public long bookkeepingBytes() {
            return bookkeeping;
        }
    }

    @Test
    void partsRunInOrderAndListenersAreChained() {
        List<String> log = new ArrayList<>();
        ComposedPolicy composed = new ComposedPolicy(List.of(new Recording("a", log, 3, true),
                new Recording("b", log, 0, false), new Recording("c", log, 4, true)), Budget.entries(32));
        AttentionListener prefill = composed.beginPrefill(null, 7);
        prefill.onAttention(new HeadAttention(0, 0, 0, 5, new float[1], 0, new float[1], 1, null));
        composed.endPrefill(null, null);
        AttentionListener step = composed.beginStep(null, 7);
        step.onAttention(new HeadAttention(0, 0, 0, 7, new float[1], 0, new float[1], 1, null));
        composed.endStep(null, 7, null);
        assertEquals(List.of("a.beginPrefill", "b.beginPrefill", "c.beginPrefill", "a.attention@5", "c.attention@5",
                "a.endPrefill", "b.endPrefill", "c.endPrefill", "a.beginStep", "b.beginStep", "c.beginStep",
                "a.attention@7", "c.attention@7", "a.endStep", "b.endStep", "c.endStep"), log);
        assertEquals(7, composed.bookkeepingBytes());
        assertEquals(Budget.entries(32), composed.budget());
        assertEquals("a+b+c", composed.descriptor().id());
        assertEquals("C on B on A", composed.descriptor().displayName());
        assertEquals("1", composed.options().values().get("b.x"));
        List<String> silent = new ArrayList<>();
        assertNull(new ComposedPolicy(List.of(new Recording("a", silent, 0, false), new Recording("b", silent, 0, false)),
                Budget.entries(4)).beginPrefill(null, 3));
    }

    @Test
    void specsWithPartsAndTheirOwnOptions() {
        KvPolicy p = PolicyRegistry.create("snapkv:window=16+kivi:bits=4", Budget.entries(64));
        ComposedPolicy composed = assertInstanceOf(ComposedPolicy.class, p);
        assertEquals(2, composed.parts().size());
        assertEquals("16", composed.parts().get(0).options().values().get("window"));
        assertEquals("4", composed.parts().get(1).options().values().get("bits"));
        assertEquals(Budget.entries(64), composed.parts().get(0).budget(), "the eviction part gets the budget");
        assertEquals(Budget.entries(64), composed.budget());
        assertEquals("snapkv+kivi", composed.descriptor().id());
        assertTrue(composed.descriptor().paper().contains("2404.14469") && composed.descriptor().paper().contains("2402.02750"));
    }

    @Test
    void badCompositionsAreNamed() {
        var empty = assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("snapkv++kivi", Budget.entries(64)));
        assertTrue(empty.getMessage().contains("empty policy"), empty.getMessage());
        var twice = assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("kivi+kivi", Budget.entries(64)));
        assertTrue(twice.getMessage().contains("appears twice"), twice.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("snapkv+nonsense", Budget.entries(64)));
        assertTrue(unknown.getMessage().contains("valid policies"), unknown.getMessage());
        var option = assertThrows(IllegalArgumentException.class, () -> PolicyRegistry.create("full+kivi:foo=1", Budget.entries(64)));
        assertTrue(option.getMessage().contains("has no option 'foo'"), option.getMessage());
    }
}
