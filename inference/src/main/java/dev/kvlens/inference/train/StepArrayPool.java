package dev.kvlens.inference.train;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.nd4j.autodiff.samediff.internal.memory.AbstractMemoryMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.BaseNDArray;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A SameDiff session memory manager that hands the same arrays out again every training step.
 * ND4J 1.0.0-M2.1's session released 3 of the 631 arrays a gradient step allocates (308 MB per
 * thread at context 128); the rest waited for the garbage collector, so the process grew by ~600 MB
 * a step until JavaCPP forced a full collection and a {@code malloc_trim}, and every step
 * zero-filled fresh pages again: ~90,000 page faults a second, as much system time as user time.
 * A step of a fixed graph allocates the same shapes in the same order, so the arrays of the last
 * step, all done with by the time the next one starts ({@link #recycle}), serve the next.
 * Arrays come back uninitialised, as from ND4J's own cache: its ops write every element of their
 * outputs. Not thread-safe: one pool per session (per graph and thread).
 */
final class StepArrayPool extends AbstractMemoryMgr {

    private record Shape(DataType type, List<Long> dims) {
        static Shape of(DataType type, long[] dims) {
            return new Shape(type, LongStream.of(dims).boxed().toList());
        }
    }

    private record Lent(Shape shape, INDArray array) {
    }

    private final Map<Shape, ArrayDeque<INDArray>> free = new HashMap<>();
    private final List<Lent> lent = new ArrayList<>();

    @Override
    public INDArray allocate(boolean detached, DataType type, long... dims) {
        Shape shape = Shape.of(type, dims);
        ArrayDeque<INDArray> spare = free.get(shape);
        INDArray array = spare == null ? null : spare.pollFirst();
        if (array == null) {
            array = Nd4j.createUninitializedDetached(type, dims);
        } else if (array instanceof BaseNDArray base) {
            // The session tracks arrays by id: a reused one must look new to it (as in ND4J's cache).
            base.assignNewId();
        }
        lent.add(new Lent(shape, array));
        return array;
    }

    @Override
    public INDArray allocate(boolean detached, LongShapeDescriptor descriptor) {
        if (descriptor.isEmpty()) {
            INDArray empty = Nd4j.create(descriptor);
            return detached ? empty.detach() : empty;
        }
        return allocate(detached, descriptor.dataType(), descriptor.getShape());
    }

    /** Kept until the next {@link #recycle}: the session may hand the array out as a result. */
    @Override
    public void release(INDArray array) {
    }

    /** Every array lent since the last call may be handed out again: the caller is done with them. */
    void recycle() {
        for (Lent l : lent) {
            free.computeIfAbsent(l.shape(), s -> new ArrayDeque<>()).addLast(l.array());
        }
        lent.clear();
    }

    /** Frees every array now rather than when the collector finds them. */
    @Override
    public void close() {
        recycle();
        for (ArrayDeque<INDArray> arrays : free.values()) {
            for (INDArray a : arrays) {
                if (a.closeable()) {
                    a.close();
                }
            }
        }
        free.clear();
    }
}
