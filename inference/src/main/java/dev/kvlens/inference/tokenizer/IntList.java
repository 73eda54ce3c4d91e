package dev.kvlens.inference.tokenizer;

import java.util.Arrays;

/** Growable int array, to keep tokenization allocation-light. */
final class IntList {
    int[] data = new int[16];
    int size;

    void add(int v) {
        if (size == data.length) {
            data = Arrays.copyOf(data, size * 2);
        }
        data[size++] = v;
    }

    int[] toArray() {
        return Arrays.copyOf(data, size);
    }
}
