// Factorization-based linear algebra of the Array API's linalg extension (NumPy 2's
// numpy.linalg semantics) on stacks of square matrices (..., n, n), computed on the host in
// double precision with partial-pivoting LU or Cholesky. Results have the input's float
// dtype (float32 or float64); bool and integer inputs compute as float64, as NumPy;
// float16/bfloat16 raise OpError(Type), as NumPy's linalg does. A non-square matrix or fewer
// than 2 dimensions is OpError(Value); so is a singular matrix for inv/solve and a matrix
// that is not positive definite for cholesky (NumPy's LinAlgError is a ValueError).
#pragma once
#include <utility>

#include "tessera/array/array.h"

namespace tessera::linalg {

// L with x = L L^T from x's lower triangle (upper = true: U = L^T, x = U^T U).
Array cholesky(const Array& x, bool upper = false);
// The inverse of each matrix.
Array inv(const Array& x);
// The determinant of each matrix (0 for a singular one); shape x.shape[:-2].
Array det(const Array& x);
// (sign, log|det|) of each matrix; a singular matrix gives (0, -inf).
std::pair<Array, Array> slogdet(const Array& x);
// The solution of x1 @ out = x2. x2 is a vector (n,) only when it is 1-D (the result then
// has shape x1.shape[:-1]); otherwise a stack of (n, k) matrices whose batch dimensions
// broadcast with x1's.
Array solve(const Array& x1, const Array& x2);

}  // namespace tessera::linalg
