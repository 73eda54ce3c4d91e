package dev.kvlens.inference.cache;

import dev.kvlens.kernels.VectorOps;
import java.util.Arrays;
import java.util.Objects;

/**
 * A store that holds entries the way KIVI does (POLICIES.md 14): keys quantised per channel over
 * groups of G consecutive entries, values quantised per entry over groups of channels, both with
 * asymmetric min/max codes of 2 or 4 bits ({@link AsymmetricQuantizer}), fp16 scales and minimums,
 * and a full-precision residual window of R entries:
 * <ul>
 *   <li>keys go to a full-precision buffer; when it holds exactly R entries all R are quantised
 *       (R/G groups) and it empties, so the full-precision key count cycles through 0..R-1;</li>
 *   <li>values: the last R entries are full precision; an entry's value is quantised, alone, when
 *       an append makes it the (R+1)-th newest.</li>
 * </ul>
 * Appending a prompt entry by entry therefore leaves exactly the paper's after-prefill state:
 * keys of the first {@code n - n mod R} entries quantised, values of the first {@code max(0, n - R)}.
 * Our engine is fp32, so residual entries are fp32 (4 bytes a number, where the paper's are fp16).
 * <p>
 * Eviction ({@link #retain}): quantised key groups keep their per-channel scale and minimum and just
 * lose the codes of evicted entries (the survivors' codes stay valid on the same grid, so eviction adds
 * no error); a group whose entries are all evicted disappears. A key group may therefore hold fewer
 * than G entries, which is why each group's first entry is stored (4 bytes a group). Quantised values
 * are per entry and simply dropped; evicted residual entries are dropped and the buffers do not refill
 * from quantised entries.
 * <p>
 * Memory ({@link #bytes}), all arrays as allocated (exact after {@link #trimToSize}):
 * {@code 4*size} positions + key groups {@code 4 + 2*2*d} each (first entry, fp16 scale and minimum per
 * channel) + key codes {@code 4*ceil(Kq*d*b/32)} + residual keys {@code 4*d*(size-Kq)} + value codes
 * {@code 4*ceil(Vq*d*b/32)} + value scales {@code 2*2*(d/Gv)*Vq} + residual values {@code 4*d*(size-Vq)},
 * where Kq and Vq are the entries whose keys and values are quantised.
 */
public final class KiviHeadStore implements KvHeadStore {

    private final int headDim;
    private final KiviSettings settings;
    private final int bits;
    private final int valueGroups;
    private final float[] channelScratch;
    private final float[] groupScratch;

    private int size;
    private int[] positions = new int[0];

    // Keys: entries [0, quantisedKeys) in keyGroups groups, [quantisedKeys, size) in keyResidual.
    private int quantisedKeys;
    private int keyGroups;
    private int[] groupFirst = new int[0];
    private short[] keyScales = new short[0];
    private short[] keyMinimums = new short[0];
    /** Group with first entry f and n entries: code of (entry f + t, channel c) at {@code f*d + c*n + t}. */
    private int[] keyCodes = new int[0];
    private float[] keyResidual = new float[0];

    // Values: entries [0, quantisedValues) quantised, [quantisedValues, size) in valueResidual.
    private int quantisedValues;
    /** Code of (entry i, channel c) at {@code i*d + c}. */
    private int[] valueCodes = new int[0];
    /** Scale of (entry i, channel group g) at {@code i*(d/Gv) + g}. */
    private short[] valueScales = new short[0];
    private short[] valueMinimums = new short[0];
    private float[] valueResidual = new float[0];

    public KiviHeadStore(int headDim, KiviSettings settings) {
        if (headDim <= 0) {
            throw new IllegalArgumentException("headDim " + headDim);
        }
        settings.requireHeadDim(headDim);
        this.headDim = headDim;
        this.settings = settings;
        this.bits = settings.bits();
        this.valueGroups = headDim / settings.valueGroup();
        this.channelScratch = new float[headDim];
        this.groupScratch = new float[settings.keyGroup()];
    }

    /** A store holding the entries of {@code source} (read in full precision), appended in order. */
    public static KiviHeadStore of(KvHeadStore source, KiviSettings settings) {
        int d = source.headDim();
        KiviHeadStore store = new KiviHeadStore(d, settings);
        float[] key = new float[d];
        float[] value = new float[d];
        for (int i = 0; i < source.size(); i++) {
            source.readKey(i, key, 0);
            source.readValue(i, value, 0);
            store.append(source.position(i), key, 0, value, 0);
        }
        return store;
    }

    public KiviSettings settings() {
        return settings;
    }

    /** Entries whose keys are quantised (the first ones). */
    public int quantisedKeys() {
        return quantisedKeys;
    }

    /** Entries whose values are quantised (the first ones). */
    public int quantisedValues() {
        return quantisedValues;
    }

    /** Key groups held (each with a scale and minimum per channel). */
    public int keyGroups() {
        return keyGroups;
    }

    @Override
    public int headDim() {
        return headDim;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int position(int i) {
        return positions[Objects.checkIndex(i, size)];
    }

    @Override
    public void append(int position, float[] key, int keyOffset, float[] value, int valueOffset) {
        if (size > 0 && position <= positions[size - 1]) {
            throw new IllegalArgumentException(
                    "position " + position + " is not after the last held position " + positions[size - 1]);
        }
        positions = ensure(positions, size + 1, 1);
        positions[size] = position;
        int residualKeys = size - quantisedKeys;
        keyResidual = ensureResidual(keyResidual, (residualKeys + 1) * headDim, settings.residual() * headDim, headDim);
        System.arraycopy(key, keyOffset, keyResidual, residualKeys * headDim, headDim);
        int residualValues = size - quantisedValues;
        valueResidual = ensureResidual(valueResidual, (residualValues + 1) * headDim, (settings.residual() + 1) * headDim, headDim);
        System.arraycopy(value, valueOffset, valueResidual, residualValues * headDim, headDim);
        size++;
        if (size - quantisedKeys == settings.residual()) {
            flushKeys();
        }
        if (size - quantisedValues > settings.residual()) {
            quantiseOldestValue();
        }
    }

    /** Quantises the R buffered keys as R/G groups and empties the buffer. */
    private void flushKeys() {
        int groupSize = settings.keyGroup();
        int newGroups = settings.residual() / groupSize;
        groupFirst = ensure(groupFirst, keyGroups + newGroups, 1);
        keyScales = ensure(keyScales, (keyGroups + newGroups) * headDim, headDim);
        keyMinimums = ensure(keyMinimums, (keyGroups + newGroups) * headDim, headDim);
        keyCodes = ensure(keyCodes, PackedCodes.intsFor((quantisedKeys + settings.residual()) * headDim, bits), 1);
        for (int b = 0; b < newGroups; b++) {
            int group = keyGroups + b;
            int first = quantisedKeys + b * groupSize;
            groupFirst[group] = first;
            int rows = b * groupSize * headDim;
            for (int c = 0; c < headDim; c++) {
                int at = group * headDim + c;
                AsymmetricQuantizer.parameters(keyResidual, rows + c, headDim, groupSize, bits, keyScales, keyMinimums, at);
                float scale = Float.float16ToFloat(keyScales[at]);
                float minimum = Float.float16ToFloat(keyMinimums[at]);
                for (int t = 0; t < groupSize; t++) {
                    int code = AsymmetricQuantizer.code(keyResidual[rows + t * headDim + c], scale, minimum, bits);
                    PackedCodes.put(keyCodes, first * headDim + c * groupSize + t, bits, code);
                }
            }
        }
        keyGroups += newGroups;
        quantisedKeys += settings.residual();
    }

    /** Quantises the value of entry {@code quantisedValues} (the oldest full-precision one). */
    private void quantiseOldestValue() {
        int entry = quantisedValues;
        int groupSize = settings.valueGroup();
        valueCodes = ensure(valueCodes, PackedCodes.intsFor((entry + 1) * headDim, bits), 1);
        valueScales = ensure(valueScales, (entry + 1) * valueGroups, valueGroups);
        valueMinimums = ensure(valueMinimums, (entry + 1) * valueGroups, valueGroups);
        for (int g = 0; g < valueGroups; g++) {
            int at = entry * valueGroups + g;
            AsymmetricQuantizer.parameters(valueResidual, g * groupSize, 1, groupSize, bits, valueScales, valueMinimums, at);
            float scale = Float.float16ToFloat(valueScales[at]);
            float minimum = Float.float16ToFloat(valueMinimums[at]);
            for (int c = 0; c < groupSize; c++) {
                int code = AsymmetricQuantizer.code(valueResidual[g * groupSize + c], scale, minimum, bits);
                PackedCodes.put(valueCodes, entry * headDim + g * groupSize + c, bits, code);
            }
        }
        int residualValues = size - quantisedValues;
        System.arraycopy(valueResidual, headDim, valueResidual, 0, (residualValues - 1) * headDim);
        quantisedValues++;
    }

    private int groupEnd(int group) {
        return group + 1 < keyGroups ? groupFirst[group + 1] : quantisedKeys;
    }

    @Override
    public void scores(float[] query, int queryOffset, float scale, float[] out) {
        // q . k' = sum_c (q_c * scale_c) * code_tc + sum_c q_c * min_c: one multiply per code.
        for (int g = 0; g < keyGroups; g++) {
            int first = groupFirst[g];
            int length = groupEnd(g) - first;
            float bias = 0f;
            for (int c = 0; c < headDim; c++) {
                float q = query[queryOffset + c];
                channelScratch[c] = q * Float.float16ToFloat(keyScales[g * headDim + c]);
                bias += q * Float.float16ToFloat(keyMinimums[g * headDim + c]);
            }
            Arrays.fill(groupScratch, 0, length, bias);
            int code = first * headDim;
            for (int c = 0; c < headDim; c++) {
                float weight = channelScratch[c];
                for (int t = 0; t < length; t++) {
                    groupScratch[t] += weight * PackedCodes.get(keyCodes, code++, bits);
                }
            }
            for (int t = 0; t < length; t++) {
                out[first + t] = scale * groupScratch[t];
            }
        }
        for (int i = quantisedKeys; i < size; i++) {
            out[i] = scale * VectorOps.dot(query, queryOffset, keyResidual, (i - quantisedKeys) * headDim, headDim);
        }
    }

    @Override
    public void accumulate(float[] weights, float[] out, int outOffset) {
        int groupSize = settings.valueGroup();
        for (int i = 0; i < quantisedValues; i++) {
            float w = weights[i];
            if (w == 0f) {
                continue;
            }
            int code = i * headDim;
            for (int g = 0; g < valueGroups; g++) {
                float scale = w * Float.float16ToFloat(valueScales[i * valueGroups + g]);
                float minimum = w * Float.float16ToFloat(valueMinimums[i * valueGroups + g]);
                int o = outOffset + g * groupSize;
                for (int c = 0; c < groupSize; c++) {
                    out[o + c] += scale * PackedCodes.get(valueCodes, code++, bits) + minimum;
                }
            }
        }
        for (int i = quantisedValues; i < size; i++) {
            VectorOps.axpy(out, outOffset, weights[i], valueResidual, (i - quantisedValues) * headDim, headDim);
        }
    }

    /** Key {@code i} as attention uses it: dequantised if quantised. */
    @Override
    public void readKey(int i, float[] dst, int offset) {
        Objects.checkIndex(i, size);
        if (i >= quantisedKeys) {
            System.arraycopy(keyResidual, (i - quantisedKeys) * headDim, dst, offset, headDim);
            return;
        }
        int found = Arrays.binarySearch(groupFirst, 0, keyGroups, i);
        int g = found >= 0 ? found : -found - 2;
        int first = groupFirst[g];
        int length = groupEnd(g) - first;
        for (int c = 0; c < headDim; c++) {
            int code = PackedCodes.get(keyCodes, first * headDim + c * length + (i - first), bits);
            dst[offset + c] = AsymmetricQuantizer.dequantise(code, Float.float16ToFloat(keyScales[g * headDim + c]),
                    Float.float16ToFloat(keyMinimums[g * headDim + c]));
        }
    }

    /** Value {@code i} as attention uses it: dequantised if quantised. */
    @Override
    public void readValue(int i, float[] dst, int offset) {
        Objects.checkIndex(i, size);
        if (i >= quantisedValues) {
            System.arraycopy(valueResidual, (i - quantisedValues) * headDim, dst, offset, headDim);
            return;
        }
        int groupSize = settings.valueGroup();
        for (int c = 0; c < headDim; c++) {
            int g = c / groupSize;
            int code = PackedCodes.get(valueCodes, i * headDim + c, bits);
            dst[offset + c] = AsymmetricQuantizer.dequantise(code, Float.float16ToFloat(valueScales[i * valueGroups + g]),
                    Float.float16ToFloat(valueMinimums[i * valueGroups + g]));
        }
    }

    @Override
    public void retain(int[] indices) {
        int previous = -1;
        for (int index : indices) {
            if (index <= previous || index >= size) {
                throw new IllegalArgumentException("retain indices must be ascending and below " + size
                        + ", got " + Arrays.toString(indices));
            }
            previous = index;
        }
        int kept = indices.length;
        int[] newPositions = new int[kept];
        for (int s = 0; s < kept; s++) {
            newPositions[s] = positions[indices[s]];
        }
        retainKeys(indices);
        retainValues(indices);
        positions = newPositions;
        size = kept;
    }

    /** Survivors of each key group keep the group's scales; empty groups vanish. */
    private void retainKeys(int[] indices) {
        int kept = indices.length;
        int[] survivors = new int[keyGroups];
        int p = 0;
        int groupsKept = 0;
        for (int g = 0; g < keyGroups; g++) {
            int end = groupEnd(g);
            while (p < kept && indices[p] < end) {
                survivors[g]++;
                p++;
            }
            if (survivors[g] > 0) {
                groupsKept++;
            }
        }
        int newQuantised = p;
        int[] newFirst = new int[groupsKept];
        short[] newScales = new short[groupsKept * headDim];
        short[] newMinimums = new short[groupsKept * headDim];
        int[] newCodes = new int[PackedCodes.intsFor(newQuantised * headDim, bits)];
        p = 0;
        int ng = 0;
        int nextFirst = 0;
        for (int g = 0; g < keyGroups; g++) {
            int n = survivors[g];
            if (n == 0) {
                continue;
            }
            int first = groupFirst[g];
            int length = groupEnd(g) - first;
            newFirst[ng] = nextFirst;
            System.arraycopy(keyScales, g * headDim, newScales, ng * headDim, headDim);
            System.arraycopy(keyMinimums, g * headDim, newMinimums, ng * headDim, headDim);
            for (int s = 0; s < n; s++) {
                int t = indices[p + s] - first;
                for (int c = 0; c < headDim; c++) {
                    int code = PackedCodes.get(keyCodes, first * headDim + c * length + t, bits);
                    PackedCodes.put(newCodes, nextFirst * headDim + c * n + s, bits, code);
                }
            }
            p += n;
            nextFirst += n;
            ng++;
        }
        float[] newResidual = new float[(kept - newQuantised) * headDim];
        for (int s = newQuantised; s < kept; s++) {
            System.arraycopy(keyResidual, (indices[s] - quantisedKeys) * headDim, newResidual,
                    (s - newQuantised) * headDim, headDim);
        }
        groupFirst = newFirst;
        keyScales = newScales;
        keyMinimums = newMinimums;
        keyCodes = newCodes;
        keyResidual = newResidual;
        keyGroups = groupsKept;
        quantisedKeys = newQuantised;
    }

    private void retainValues(int[] indices) {
        int kept = indices.length;
        int newQuantised = 0;
        while (newQuantised < kept && indices[newQuantised] < quantisedValues) {
            newQuantised++;
        }
        int[] newCodes = new int[PackedCodes.intsFor(newQuantised * headDim, bits)];
        short[] newScales = new short[newQuantised * valueGroups];
        short[] newMinimums = new short[newQuantised * valueGroups];
        for (int s = 0; s < newQuantised; s++) {
            int i = indices[s];
            for (int c = 0; c < headDim; c++) {
                PackedCodes.put(newCodes, s * headDim + c, bits, PackedCodes.get(valueCodes, i * headDim + c, bits));
            }
            System.arraycopy(valueScales, i * valueGroups, newScales, s * valueGroups, valueGroups);
            System.arraycopy(valueMinimums, i * valueGroups, newMinimums, s * valueGroups, valueGroups);
        }
        float[] newResidual = new float[(kept - newQuantised) * headDim];
        for (int s = newQuantised; s < kept; s++) {
            System.arraycopy(valueResidual, (indices[s] - quantisedValues) * headDim, newResidual,
                    (s - newQuantised) * headDim, headDim);
        }
        valueCodes = newCodes;
        valueScales = newScales;
        valueMinimums = newMinimums;
        valueResidual = newResidual;
        quantisedValues = newQuantised;
    }

    @Override
    public void trimToSize() {
        positions = Arrays.copyOf(positions, size);
        groupFirst = Arrays.copyOf(groupFirst, keyGroups);
        keyScales = Arrays.copyOf(keyScales, keyGroups * headDim);
        keyMinimums = Arrays.copyOf(keyMinimums, keyGroups * headDim);
        keyCodes = Arrays.copyOf(keyCodes, PackedCodes.intsFor(quantisedKeys * headDim, bits));
        keyResidual = Arrays.copyOf(keyResidual, (size - quantisedKeys) * headDim);
        valueCodes = Arrays.copyOf(valueCodes, PackedCodes.intsFor(quantisedValues * headDim, bits));
        valueScales = Arrays.copyOf(valueScales, quantisedValues * valueGroups);
        valueMinimums = Arrays.copyOf(valueMinimums, quantisedValues * valueGroups);
        valueResidual = Arrays.copyOf(valueResidual, (size - quantisedValues) * headDim);
    }

    @Override
    public long bytes() {
        return (long) positions.length * Integer.BYTES
                + (long) groupFirst.length * Integer.BYTES
                + (long) (keyScales.length + keyMinimums.length) * Short.BYTES
                + (long) keyCodes.length * Integer.BYTES
                + (long) keyResidual.length * Float.BYTES
                + (long) valueCodes.length * Integer.BYTES
                + (long) (valueScales.length + valueMinimums.length) * Short.BYTES
                + (long) valueResidual.length * Float.BYTES;
    }

    /** Grows by a quarter (plus 16 units) when {@code needed} does not fit: little slack, since bytes are reported. */
    private static int[] ensure(int[] a, int needed, int unit) {
        return a.length >= needed ? a : Arrays.copyOf(a, Math.max(needed, Math.addExact(a.length, a.length / 4 + 16 * unit)));
    }

    private static short[] ensure(short[] a, int needed, int unit) {
        return a.length >= needed ? a : Arrays.copyOf(a, Math.max(needed, Math.addExact(a.length, a.length / 4 + 16 * unit)));
    }

    /** Like {@link #ensure(int[], int, int)}, never beyond {@code cap}: a residual buffer has a known bound. */
    private static float[] ensureResidual(float[] a, int needed, int cap, int row) {
        if (a.length >= needed) {
            return a;
        }
        int grown = Math.addExact(a.length, a.length / 4 + 16 * row);
        return Arrays.copyOf(a, Math.min(cap, Math.max(needed, grown)));
    }
}
