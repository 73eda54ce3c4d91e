/**
 * Dense linear algebra for analyses and policies (not the forward pass): singular values, Cholesky
 * factors and Gram sums, computed with ND4J's LAPACK and BLAS. ND4J loads on the first call of any
 * class here (about 2.5 s the first time it unpacks its native libraries), so callers keep these
 * calls off the JavaFX thread and out of start-up.
 */
package dev.kvlens.kernels.linalg;
