package dev.kvlens.kernels;

import java.lang.foreign.MemorySegment;

/**
 * What every format shares: the shape, the bytes, and matvec/matmul spread over {@link Parallel}.
 * Subclasses supply the per-row kernels {@link #dotRow} and {@link #dequantizeRow}.
 */
abstract class AbstractWeightMatrix implements WeightMatrix {

    /** Rows decoded together in matmul; matches the 4 x 4 register tile of {@link MatmulKernel}. */
    private static final int ROW_TILE = 4;
    /** Floats of input kept hot per token tile (1 MiB): larger prompts are taken in slices. */
    private static final int TOKEN_TILE_FLOATS = 1 << 18;

    final GgmlType type;
    final MemorySegment data;
    final int rows;
    final int cols;
    final long rowBytes;

    AbstractWeightMatrix(GgmlType type, MemorySegment data, int rows, int cols) {
        this.type = type;
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = type.byteSize(cols);
    }

    @Override
    public GgmlType type() {
        return type;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public MemorySegment data() {
        return data;
    }

    /** Byte offset of row {@code row}, checked so a bad index fails with a clear message. */
    final long rowOffset(int row) {
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException("row " + row + " of a matrix with " + rows + " rows");
        }
        return row * rowBytes;
    }

    @Override
    public void matvec(float[] x, float[] out) {
        if (x.length < cols || out.length < rows) {
            throw new IllegalArgumentException("matvec of " + rows + " x " + cols + " needs x >= " + cols
                    + " and out >= " + rows + ", got " + x.length + " and " + out.length);
        }
        Object prepared = prepareInput(x, 0);
        Parallel.forRange(rows, (start, end) -> dotRows(start, end, x, 0, prepared, out, start));
    }

    @Override
    public PreparedInput prepare(float[] x) {
        if (x.length < cols) {
            throw new IllegalArgumentException("input of " + x.length + " for a matrix of " + cols + " columns");
        }
        return new PreparedInput(x, type, cols, prepareInput(x, 0));
    }

    @Override
    public void matvecRows(PreparedInput input, int start, int end, float[] out, int outOffset) {
        if (!input.fits(this)) {
            throw new IllegalArgumentException("input prepared for a " + input.type + " matrix of " + input.cols
                    + " columns given to " + this);
        }
        if (start < 0 || end > rows || start > end || outOffset < 0 || outOffset + (end - start) > out.length) {
            throw new IllegalArgumentException("rows [" + start + ", " + end + ") of " + rows + " x " + cols
                    + " into out[" + outOffset + "..] of " + out.length);
        }
        if (start < end) {
            dotRows(start, end, input.x, 0, input.derived, out, outOffset);
        }
    }

    /**
     * Row-independent data a format derives from the input once per matvec (such as per-block
     * sums of x, which turn a quant offset into one scalar per block); null when none is needed.
     */
    Object prepareInput(float[] x, int xOffset) {
        return null;
    }

    /**
     * {@code out[outOffset + r - start] = row(r) . x[xOffset ..]} for rows {@code [start, end)}, given
     * what {@link #prepareInput} derived from x. The row loop lives inside each format's kernel so
     * that the kernel is one large compiled method with its own profile: small enough to be
     * inlined into a shared caller, a kernel would be compiled against other formats' profiles.
     */
    abstract void dotRows(int start, int end, float[] x, int xOffset, Object prepared, float[] out, int outOffset);

    /** Rows {@code [start, end)} decoded one after another into {@code out} from {@code offset}. */
    abstract void dequantizeRows(int start, int end, float[] out, int offset);

    @Override
    public final float dotRow(int row, float[] x, int xOffset) {
        rowOffset(row);
        float[] result = new float[1];
        dotRows(row, row + 1, x, xOffset, prepareInput(x, xOffset), result, 0);
        return result[0];
    }

    @Override
    public final void dequantizeRow(int row, float[] out, int offset) {
        rowOffset(row);
        dequantizeRows(row, row + 1, out, offset);
    }

    /** Sums of x over each run of {@code group} values, for formats whose values carry an offset. */
    final float[] groupSums(float[] x, int xOffset, int group) {
        float[] sums = new float[cols / group];
        for (int g = 0; g < sums.length; g++) {
            float s = 0;
            for (int i = 0; i < group; i++) {
                s += x[xOffset + g * group + i];
            }
            sums[g] = s;
        }
        return sums;
    }

    @Override
    public void matmul(float[] x, int n, float[] out) {
        if (n < 0 || (long) n * cols > x.length || (long) n * rows > out.length) {
            throw new IllegalArgumentException("matmul of " + rows + " x " + cols + " with " + n
                    + " tokens needs x >= " + (long) n * cols + " and out >= " + (long) n * rows
                    + ", got " + x.length + " and " + out.length);
        }
        if (n == 0) {
            return;
        }
        if (n == 1) {
            matvec(x, out);
            return;
        }
        if (n >= TOKEN_LANE_MINIMUM) {
            matmulTokenLanes(x, n, out);
            return;
        }
        int tokenTile = Math.max(ROW_TILE, TOKEN_TILE_FLOATS / cols / ROW_TILE * ROW_TILE);
        int rowTiles = (rows + ROW_TILE - 1) / ROW_TILE;
        Parallel.forRange(rowTiles, (start, end) -> {
            float[] w = new float[ROW_TILE * cols];
            float[] lanes = new float[MatmulKernel.SCRATCH];
            for (int t0 = 0; t0 < n; t0 += tokenTile) {
                int t1 = Math.min(n, t0 + tokenTile);
                for (int tile = start; tile < end; tile++) {
                    int r0 = tile * ROW_TILE;
                    int nr = Math.min(ROW_TILE, rows - r0);
                    dequantizeRows(r0, r0 + nr, w, 0);
                    int t = t0;
                    if (nr == ROW_TILE) {
                        for (; t + 4 <= t1; t += 4) {
                            MatmulKernel.tile4x4(w, cols, x, t, out, rows, r0, lanes);
                        }
                    }
                    for (; t < t1; t++) {
                        for (int i = 0; i < nr; i++) {
                            out[t * rows + r0 + i] = VectorOps.dot(w, i * cols, x, t * cols, cols);
                        }
                    }
                }
            }
        });
    }

    /**
     * Prompts of at least this many tokens (a whole vector of them) take {@link TokenLaneKernel};
     * shorter ones the 4 x 4 tile. Measured on the 143 M shape, 2 threads, all of a 128-token
     * prompt's matmuls: 1.13-1.16x the 4 x 4 tile's speed for F32, Q8_0 and Q4_0.
     */
    private static final int TOKEN_LANE_MINIMUM = Simd.L;

    /** Transposed inputs, one per calling thread, grown as needed (a prompt's worth is a few MiB). */
    private static final ThreadLocal<float[]> TRANSPOSED = new ThreadLocal<>();

    private void matmulTokenLanes(float[] x, int n, float[] out) {
        int stride = (n + Simd.L - 1) / Simd.L * Simd.L;
        long needed = (long) stride * cols;
        float[] xT = TRANSPOSED.get();
        if (xT == null || xT.length < needed) {
            xT = new float[Math.toIntExact(needed)];
            TRANSPOSED.set(xT);
        }
        float[] transposed = xT;
        Parallel.forRange((cols + 15) / 16, (start, end) ->
                TokenLaneKernel.transpose(x, n, cols, transposed, stride, start * 16, Math.min(cols, end * 16)));
        int rowsPerTile = TokenLaneKernel.ROWS;
        // Tokens taken in slices whose transposed input stays in a core's L2 while every row passes over it.
        int tokenTile = Math.max(2 * Simd.L, TOKEN_TILE_FLOATS / 2 / cols / (2 * Simd.L) * (2 * Simd.L));
        int rowTiles = (rows + rowsPerTile - 1) / rowsPerTile;
        Parallel.forRange(rowTiles, (start, end) -> {
            float[] w = new float[rowsPerTile * cols];
            float[] lanes = new float[TokenLaneKernel.SCRATCH];
            for (int t0 = 0; t0 < stride; t0 += tokenTile) {
                int t1 = Math.min(stride, t0 + tokenTile);
                for (int tile = start; tile < end; tile++) {
                    int r0 = tile * rowsPerTile;
                    int nr = Math.min(rowsPerTile, rows - r0);
                    dequantizeRows(r0, r0 + nr, w, 0);
                    if (nr == rowsPerTile) {
                        int t = t0;
                        for (; t + 2 * Simd.L <= t1; t += 2 * Simd.L) {
                            TokenLaneKernel.rows8Tokens2L(w, cols, transposed, stride, t, n - t, out, rows, r0, lanes);
                        }
                        if (t < t1) {
                            TokenLaneKernel.rows8TokensL(w, cols, transposed, stride, t, n - t, out, rows, r0, lanes);
                        }
                    } else {
                        for (int t = t0; t < Math.min(t1, n); t++) {
                            for (int i = 0; i < nr; i++) {
                                out[t * rows + r0 + i] = TokenLaneKernel.dot(w, i * cols, transposed, stride, t, cols);
                            }
                        }
                    }
                }
            }
        });
    }

    @Override
    public String toString() {
        return type + " matrix " + rows + " x " + cols;
    }
}
