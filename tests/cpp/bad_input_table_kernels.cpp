// Rows of the bad-input table (bad_input_table_test.cpp, which includes this file) for
// compiled kernels and the operator library.
#include <cstdint>
#include <limits>

namespace tessera {
namespace {

constexpr int64_t kHuge = int64_t{1} << 62;  // n * 3 or n * n overflows int64

// B(n, 3) = A * 2 with symbolic strides; the contiguous variant; C(n) = A * alpha (a
// float64 scalar) for i < limit (an int64 scalar), else 0. Built once and never destroyed
// (static destructors run in no set order with respect to the JIT's).
const Kernel& twice() {
  static const Kernel* k = new Kernel([] {
    ir::Var n = te::size_var("n");
    Tensor A = te::placeholder({n, 3}, kF32, "A");
    Tensor B = te::compute({n, 3}, [&](ir::Var i, ir::Var j) { return A(i, j) * 2.0f; }, "B");
    return build(schedule::create_schedule({B}), {A, B}, "twice");
  }());
  return *k;
}
const Kernel& twice_contiguous() {
  static const Kernel* k = new Kernel([] {
    ir::Var n = te::size_var("n");
    Tensor A = te::placeholder({n, 3}, kF32, "A");
    Tensor B = te::compute({n, 3}, [&](ir::Var i, ir::Var j) { return A(i, j) * 2.0f; }, "B");
    BuildOptions options;
    options.lower.contiguous = true;
    return build(schedule::create_schedule({B}), {A, B}, "twice_contiguous", options);
  }());
  return *k;
}
const Kernel& scaled() {
  static const Kernel* k = new Kernel([] {
    ir::Var n = te::size_var("n"), limit("limit", DataType::Int(64)), alpha("alpha", DataType::Float(64));
    Tensor A = te::placeholder({n}, DataType::Float(64), "A");
    Tensor C = te::compute({n}, [&](ir::Var i) { return ir::select(i < limit, A(i) * alpha, ir::Expr(0.0)); }, "C");
    return build(schedule::create_schedule({C}), {A, C, alpha, limit}, "scaled");
  }());
  return *k;
}

// C(n) = A(n) * S() for a 0-d tensor S.
const Kernel& times_scalar() {
  static const Kernel* k = new Kernel([] {
    ir::Var n = te::size_var("n");
    Tensor A = te::placeholder({n}, kF32, "A");
    Tensor S = te::placeholder(std::vector<ir::Expr>{}, kF32, "S");
    Tensor C = te::compute({n}, [&](ir::Var i) { return A(i) * S(std::vector<ir::Expr>{}); }, "C");
    return build(schedule::create_schedule({C}), {A, S, C}, "times_scalar");
  }());
  return *k;
}

// A row that calls twice() with A and B of the given shapes after `edit` changes their
// DLTensors (B is the watched output).
BadInputRow kernel_row(std::string input, std::string fragment, std::vector<int64_t> a_shape,
                       std::vector<int64_t> b_shape, std::function<void(DLTensor& a, DLTensor& b)> edit = nullptr,
                       std::string known_issue = {}) {
  return {"Kernel::operator()", std::move(input), kKernelError, std::move(fragment),
          [=](Canaries& c) {
            DLTensor a = *c.input<float>(a_shape).get(), b = *c.output<float>(b_shape).get();
            if (edit) edit(a, b);
            twice()({&a, &b});
          },
          std::move(known_issue)};
}

Rows kernel_rows() {
  const std::string call = "Kernel::operator()";
  auto set_dtype = [](DLDataType t) { return [t](DLTensor& a, DLTensor&) { a.dtype = t; }; };
  return {
      {call, "too few arguments", kKernelError, "kernel twice: expects 2 arguments, got 1",
       [](Canaries& c) { twice()({c.input<float>({4, 3}).get()}); }},
      {call, "too many arguments", kKernelError, "kernel twice: expects 2 arguments, got 3",
       [](Canaries& c) {
         HostArray<float>& b = c.output<float>({4, 3});
         twice()({c.input<float>({4, 3}).get(), b.get(), int64_t{1}});
       }},
      {call, "an int for a tensor", kKernelError, "argument 1 (B) must be a tensor, got an int",
       [](Canaries& c) { twice()({c.input<float>({4, 3}).get(), int64_t{3}}); }},
      {call, "a float for a tensor", kKernelError, "argument 0 (A) must be a tensor, got a float",
       [](Canaries& c) { twice()({2.0, c.output<float>({4, 3}).get()}); }},
      kernel_row("rank 3 for rank 2", "argument 0 (A) expects ndim 2, got 3", {4, 3, 1}, {4, 3}),
      kernel_row("a 0-d input for rank 2", "argument 0 (A) expects ndim 2, got 0", {}, {4, 3}),
      kernel_row("a 0-d output for rank 2", "argument 1 (B) expects ndim 2, got 0", {4, 3}, {}),
      kernel_row("negative ndim", "argument 0 (A) expects ndim 2, got -1", {4, 3}, {4, 3},
                 [](DLTensor& a, DLTensor&) { a.ndim = -1; }),
      kernel_row("float64 for float32", "argument 0 (A) expects dtype float32, got float64", {4, 3}, {4, 3},
                 set_dtype({kDLFloat, 64, 1})),
      kernel_row("int32 output for float32", "argument 1 (B) expects dtype float32, got int32", {4, 3}, {4, 3},
                 [](DLTensor&, DLTensor& b) { b.dtype = {kDLInt, 32, 1}; }),
      kernel_row("a vector dtype", "argument 0 (A) expects dtype float32, got", {4, 3}, {4, 3},
                 set_dtype({kDLFloat, 32, 4})),
      kernel_row("a dtype code DLPack does not define", "argument 0 (A) expects dtype float32, got", {4, 3}, {4, 3},
                 set_dtype({99, 32, 1})),
      kernel_row("an input on CUDA", "argument 0 (A) expects device cpu, got cuda", {4, 3}, {4, 3},
                 [](DLTensor& a, DLTensor&) { a.device = {kDLCUDA, 0}; }),
      kernel_row("an output on CUDA", "argument 1 (B) expects device cpu, got cuda", {4, 3}, {4, 3},
                 [](DLTensor&, DLTensor& b) { b.device = {kDLCUDA, 0}; }),
      kernel_row("a constant dimension differs", "dim 1 of A (5) must equal 3", {4, 5}, {4, 5}),
      kernel_row("a symbolic dimension differs", "dim 0 of B (5) must equal n (4)", {4, 3}, {5, 3}),
      kernel_row("zero-size input, non-empty output", "dim 0 of B (4) must equal n (0)", {0, 3}, {4, 3}),
      kernel_row("zero-size arrays with a wrong constant dimension", "dim 1 of A (5) must equal 3", {0, 5}, {0, 3}),
      {call, "a strided output for a contiguous kernel", kKernelError, "argument 1 (B) must be contiguous",
       [](Canaries& c) {
         DLTensor a = *c.input<float>({4, 3}).get(), b = *c.output<float>({4, 3}).get();
         int64_t transposed[2] = {1, 4};
         b.strides = transposed;
         twice_contiguous()({&a, &b});
       }},
      {call, "a float for an int scalar", kKernelError, "argument 3 (limit) must be an int, got a float",
       [](Canaries& c) { scaled()({c.input<double>({5}).get(), c.output<double>({5}).get(), 2.0, 1.5}); }},
      {call, "a tensor for a float scalar", kKernelError, "argument 2 (alpha) must be a float, got a tensor",
       [](Canaries& c) {
         HostArray<double>& a = c.input<double>({5});
         scaled()({a.get(), c.output<double>({5}).get(), a.get(), int64_t{5}});
       }},
      // The five rows below were known issues (crashes or silent acceptance) until the
      // kernel-API pass checked handles, extents and data pointers.
      kernel_row("no data in a non-empty input", "argument 0 (A) has no data (a null pointer) but is not empty",
                 {4, 3}, {4, 3}, [](DLTensor& a, DLTensor&) { a.data = nullptr; }),
      kernel_row("no data in a non-empty output", "argument 1 (B) has no data (a null pointer) but is not empty",
                 {4, 3}, {4, 3}, [](DLTensor&, DLTensor& b) { b.data = nullptr; }),
      {call, "a null DLTensor*", kKernelError, "argument 0 (A) is a null DLTensor pointer",
       [](Canaries& c) { twice()({static_cast<DLTensor*>(nullptr), c.output<float>({4, 3}).get()}); }},
      {call, "a null output DLTensor*", kKernelError, "argument 1 (B) is a null DLTensor pointer",
       [](Canaries& c) { twice()({c.input<float>({4, 3}).get(), static_cast<DLTensor*>(nullptr)}); }},
      {call, "no data in a 0-d input", kKernelError, "argument 1 (S) has no data (a null pointer) but is not empty",
       [](Canaries& c) {
         DLTensor s = *c.input<float>({}).get();
         s.data = nullptr;
         times_scalar()({c.input<float>({4}).get(), &s, c.output<float>({4}).get()});
       }},
      kernel_row("negative sizes", "dim 0 of A is negative (-2)", {4, 3}, {4, 3},
                 [](DLTensor& a, DLTensor& b) { a.shape[0] = b.shape[0] = -2; }),
      kernel_row("a negative size in the output only", "dim 0 of B is negative (-4)", {4, 3}, {4, 3},
                 [](DLTensor&, DLTensor& b) { b.shape[0] = -4; }),
      kernel_row("sizes whose element count overflows int64",
                 "argument 0 (A) of shape (4611686018427387904, 3) is too large", {4, 3}, {4, 3},
                 [](DLTensor& a, DLTensor& b) { a.shape[0] = b.shape[0] = kHuge; }),
      kernel_row("a size in bytes over 2^62 (the element count fits)", "argument 0 (A) of shape", {4, 3}, {4, 3},
                 [](DLTensor& a, DLTensor& b) { a.shape[0] = b.shape[0] = int64_t{1} << 60; }),
      {call, "the largest int64 extent for a float64 tensor", kKernelError,
       "argument 0 (A) of shape (9223372036854775807) is too large",
       [](Canaries& c) {
         DLTensor a = *c.input<double>({5}).get(), out = *c.output<double>({5}).get();
         static int64_t max_extent = std::numeric_limits<int64_t>::max();
         a.shape = out.shape = &max_extent;
         scaled()({&a, &out, 2.0, int64_t{5}});
       }},
  };
}

// ---- the operator library ----------------------------------------------------------------

// A row that runs ops::call(op) on float32 inputs and outputs of the given shapes after
// `edit` changes their DLTensors (outputs are watched).
BadInputRow op_row(std::string op, std::string input, testing::ExpectedError error, std::string fragment,
                   std::vector<std::vector<int64_t>> in_shapes, std::vector<std::vector<int64_t>> out_shapes,
                   std::function<void(std::vector<DLTensor>& in, std::vector<DLTensor>& out)> edit = nullptr,
                   std::string known_issue = {}) {
  return {"ops::call(" + op + ")", std::move(input), std::move(error), std::move(fragment),
          [=](Canaries& c) {
            std::vector<DLTensor> in, out;
            for (const auto& s : in_shapes) in.push_back(*c.input<float>(s).get());
            for (const auto& s : out_shapes) out.push_back(*c.output<float>(s).get());
            if (edit) edit(in, out);
            std::vector<const DLTensor*> ins;
            std::vector<DLTensor*> outs;
            for (DLTensor& t : in) ins.push_back(&t);
            for (DLTensor& t : out) outs.push_back(&t);
            ops::call(op, ins, outs);
          },
          std::move(known_issue)};
}

// ops::reduce(op, x, axes, keepdims=false) on a float32 x of `shape`, output of `out_shape`.
BadInputRow reduce_row(std::string op, std::string input, testing::ExpectedError error, std::string fragment,
                       std::vector<int64_t> shape, std::vector<int> axes, std::vector<int64_t> out_shape,
                       std::optional<DataType> dtype = std::nullopt,
                       std::function<void(DLTensor& x, DLTensor& out)> edit = nullptr,
                       std::string known_issue = {}) {
  return {"ops::reduce(" + op + ")", std::move(input), std::move(error), std::move(fragment),
          [=](Canaries& c) {
            DLTensor x = *c.input<float>(shape).get(), out = *c.output<float>(out_shape).get();
            if (edit) edit(x, out);
            ops::reduce(op, &x, axes, false, dtype, &out);
          },
          std::move(known_issue)};
}

Rows op_rows() {
  using In = std::vector<DLTensor>;
  auto in0 = [](std::function<void(DLTensor&)> f) { return [f](In& in, In&) { f(in[0]); }; };
  auto out0 = [](std::function<void(DLTensor&)> f) { return [f](In&, In& out) { f(out[0]); }; };
  static int64_t big_rank_shape[33];
  for (int64_t& s : big_rank_shape) s = 1;
  return {
      op_row("no_such_op", "an unknown operator", kOpValue, "no operator named 'no_such_op'", {{3}}, {{3}}),
      op_row("add", "one input", kOpType, "add: expects 2 inputs, got 1", {{3}}, {{3}}),
      op_row("add", "two outputs", kOpType, "add: expects 1 outputs, got 2", {{3}, {3}}, {{3}, {3}}),
      {"ops::call(add)", "a null input", kOpValue, "add: operand 1 is null",
       [](Canaries& c) { ops::call("add", {c.input<float>({3}).get(), nullptr}, {c.output<float>({3}).get()}); }},
      {"ops::call(add)", "a null output", kOpValue, "add: output 0 is null",
       [](Canaries& c) { ops::call("add", {c.input<float>({3}).get(), c.input<float>({3}).get()}, {nullptr}); }},
      op_row("add", "an input on CUDA", kOpValue, "add: operands must all be on one CUDA device; one is not on a CUDA device", {{3}, {3}}, {{3}},
             [](In& in, In&) { in[1].device = {kDLCUDA, 0}; }),
      op_row("add", "an output on CUDA", kOpValue, "add: operands must all be on one CUDA device; one is not on a CUDA device", {{3}, {3}}, {{3}},
             out0([](DLTensor& t) { t.device = {kDLCUDA, 0}; })),
      op_row("add", "a negative dimension", kOpValue, "add: operand 0 has a negative dimension", {{3}, {3}}, {{3}},
             in0([](DLTensor& t) { t.shape[0] = -3; })),
      op_row("add", "no data in a non-empty input", kOpValue, "add: operand 0 has no data", {{3}, {3}}, {{3}},
             in0([](DLTensor& t) { t.data = nullptr; })),
      op_row("add", "no data in a non-empty output", kOpValue, "add: output 0 has no data", {{3}, {3}}, {{3}},
             out0([](DLTensor& t) { t.data = nullptr; })),
      op_row("add", "33 dimensions", kOpValue, "add: operand 0 has 33 dimensions (at most 32)", {{3}, {3}}, {{3}},
             in0([](DLTensor& t) {
               t.ndim = 33;
               t.shape = big_rank_shape;
               t.strides = nullptr;
             })),
      op_row("add", "negative ndim", kOpValue, "add: operand 0 has -1 dimensions", {{3}, {3}}, {{3}},
             in0([](DLTensor& t) { t.ndim = -1; })),
      op_row("add", "a complex dtype", kOpType, "add: operand 0 has an unsupported dtype (code 5, bits 64, lanes 1)",
             {{3}, {3}}, {{3}}, in0([](DLTensor& t) { t.dtype = {kDLComplex, 64, 1}; })),
      op_row("add", "an 8-bit float", kOpType, "add: operand 1 has an unsupported dtype (code 2, bits 8", {{3}, {3}},
             {{3}}, [](In& in, In&) { in[1].dtype = {kDLFloat, 8, 1}; }),
      op_row("add", "a vector dtype", kOpType, "add: operand 0 has an unsupported dtype (code 2, bits 32, lanes 4)",
             {{3}, {3}}, {{3}}, in0([](DLTensor& t) { t.dtype = {kDLFloat, 32, 4}; })),
      op_row("add", "an unsupported output dtype", kOpType, "add: output 0 has an unsupported dtype", {{3}, {3}},
             {{3}}, out0([](DLTensor& t) { t.dtype = {kDLBfloat, 32, 1}; })),
      op_row("subtract", "bool inputs (NumPy refuses them)", kOpType,
             "subtract: not supported for input dtypes (bool, bool)", {{3}, {3}}, {{3}},
             [](In& in, In&) { in[0].dtype = in[1].dtype = {kDLBool, 8, 1}; }),
      op_row("bitwise_and", "float inputs", kOpType, "bitwise_and: not supported for input dtypes (float32, float32)",
             {{3}, {3}}, {{3}}),
      op_row("add", "shapes that do not broadcast", kOpValue,
             "add: operands could not be broadcast together with shapes (3,) (4,)", {{3}, {4}}, {{4}}),
      op_row("add", "a zero-size input with a shape that does not broadcast", kOpValue,
             "could not be broadcast together with shapes (0,) (3,)", {{0}, {3}}, {{3}}),
      op_row("add", "an output of the wrong shape", kOpValue, "add: output 0 has shape (3,), expected (4,)", {{4}, {4}},
             {{3}}),
      op_row("add", "an output of the input shape, not the broadcast shape", kOpValue,
             "add: output 0 has shape (4,), expected (3, 4)", {{3, 1}, {4}}, {{4}}),
      op_row("add", "a 0-d output for a 1-d result", kOpValue, "add: output 0 has shape (), expected (4,)", {{4}, {4}},
             {{}}),
      op_row("add", "a 1-d output for 0-d inputs", kOpValue, "add: output 0 has shape (1,), expected ()", {{}, {}},
             {{1}}),
      op_row("add", "a float64 output for float32", kOpType, "add: output 0 has dtype float64, expected float32",
             {{4}, {4}}, {{4}}, out0([](DLTensor& t) { t.dtype = {kDLFloat, 64, 1}; })),
      op_row("less", "a float32 output for a comparison", kOpType, "less: output 0 has dtype float32, expected bool",
             {{4}, {4}}, {{4}}),
      op_row("add", "an overlapping output of the wrong shape", kOpValue, "add: output 0 has shape (3,), expected (4,)",
             {{4}, {4}}, {{3}}, [](In& in, In& out) { out[0].data = in[0].data; }),
      // The three rows below were known issues until dispatch checked them (ops::call accepted
      // a stride-0 output and overflowing sizes; ops::reduce read past its input).
      op_row("add", "an output aliasing itself (stride 0, extent 4)", kOpValue, "output 0", {{4}, {4}}, {{4}},
             out0([](DLTensor& t) {
               static int64_t zero = 0;
               t.strides = &zero;
             })),
      op_row("add", "sizes whose element count overflows int64", kOpValue, "operand 0", {{4, 4}, {4, 4}}, {{4, 4}},
             [](In& in, In& out) {
               static int64_t huge[2] = {kHuge, 4};
               in[0].shape = in[1].shape = out[0].shape = huge;
             }),
      reduce_row("sum", "sizes whose element count overflows int64", kOpValue, "input", {4, 4}, {0}, {4},
                 std::nullopt,
                 [](DLTensor& x, DLTensor&) {
                   static int64_t huge[2] = {kHuge, 4};
                   x.shape = huge;
                 }),
      reduce_row("median", "an unknown reduction", kOpValue, "no reduction named 'median'", {2, 3}, {0}, {3}),
      reduce_row("sum", "an axis out of range", kOpValue, "sum: axis 2 is out of bounds for array of dimension 2",
                 {2, 3}, {2}, {2}),
      reduce_row("mean", "a negative axis out of range", kOpValue, "mean: axis -3 is out of bounds", {2, 3}, {-3},
                 {2}),
      reduce_row("sum", "axis 0 of a 0-d array", kOpValue, "sum: axis 0 is out of bounds for array of dimension 0", {},
                 {0}, {}),
      reduce_row("max", "one axis twice", kOpValue, "max: duplicate value in 'axis'", {2, 3}, {1, -1}, {2}),
      reduce_row("argmax", "two axes", kOpType, "argmax: takes one axis, not 2", {2, 3}, {0, 1}, {}),
      reduce_row("max", "a dtype= argument", kOpType, "max", {2, 3}, {0}, {3}, DataType::Float(64)),
      reduce_row("var", "an integer dtype", kOpType, "var", {2, 3}, {0}, {3}, DataType::Int(32)),
      reduce_row("sum", "an output of the wrong shape", kOpValue, "sum: output has shape (3,), expected (2,)", {2, 3},
                 {1}, {3}),
      reduce_row("sum", "a float32 output for float64", kOpType, "sum: output has dtype float32, expected float64",
                 {2, 3}, {1}, {2}, DataType::Float(64)),
      reduce_row("min", "an empty axis without identity", kOpValue, "zero-size array to reduction operation minimum",
                 {0, 4}, {0}, {4}),
      {"ops::reduce(sum)", "a null input", kOpValue, "sum: input is null",
       [](Canaries& c) { ops::reduce("sum", nullptr, {1}, false, std::nullopt, c.output<float>({2}).get()); }},
      {"ops::reduce(sum)", "a null output", kOpValue, "sum: output is null",
       [](Canaries& c) { ops::reduce("sum", c.input<float>({2, 3}).get(), {1}, false, std::nullopt, nullptr); }},
      reduce_row("sum", "an input on CUDA", kOpValue, "sum: operands must all be on one CUDA device", {2, 3}, {1}, {2}, std::nullopt,
                 [](DLTensor& x, DLTensor&) { x.device = {kDLCUDA, 0}; }),
      reduce_row("sum", "a negative dimension", kOpValue, "negative dimension", {2, 3}, {1}, {2}, std::nullopt,
                 [](DLTensor& x, DLTensor&) { x.shape[0] = -2; }),
      reduce_row("sum", "no data in a non-empty input", kOpValue, "has no data", {2, 3}, {1}, {2}, std::nullopt,
                 [](DLTensor& x, DLTensor&) { x.data = nullptr; }),
      {"ops::cumulative(cumulative_sum)", "a 2-d array without axis", kOpValue, "cumulative_sum",
       [](Canaries& c) {
         ops::cumulative("cumulative_sum", c.input<float>({2, 3}).get(), std::nullopt, std::nullopt, false,
                         c.output<float>({2, 3}).get());
       }},
      {"ops::cumulative(cumulative_prod)", "an axis out of range", kOpValue, "out of bounds",
       [](Canaries& c) {
         ops::cumulative("cumulative_prod", c.input<float>({2, 3}).get(), 2, std::nullopt, false,
                         c.output<float>({2, 3}).get());
       }},
      {"ops::matmul", "a 0-d operand", kOpValue, "matmul: Input operand 0 does not have enough dimensions",
       [](Canaries& c) { ops::matmul(c.input<float>({}).get(), c.input<float>({3, 4}).get(), c.output<float>({4}).get()); }},
      {"ops::matmul", "core dimensions that differ", kOpValue, "mismatch in its core dimension 0",
       [](Canaries& c) { ops::matmul(c.input<float>({3, 4}).get(), c.input<float>({3}).get(), c.output<float>({3}).get()); }},
      {"ops::matmul", "an output of the wrong shape", kOpValue, "matmul",
       [](Canaries& c) {
         ops::matmul(c.input<float>({3, 4}).get(), c.input<float>({4, 2}).get(), c.output<float>({2, 3}).get());
       }},
      {"ops::tensordot", "summed axes of different lengths", kOpValue, "tensordot: shape-mismatch",
       [](Canaries& c) {
         ops::tensordot(c.input<float>({2, 3}).get(), c.input<float>({3, 2}).get(), {0}, {0},
                        c.output<float>({3, 2}).get());
       }},
      {"ops::vecdot", "an axis out of range", kOpValue, "vecdot", [](Canaries& c) {
         ops::vecdot(c.input<float>({3, 4}).get(), c.input<float>({3, 4}).get(), 2, c.output<float>({3}).get());
       }},
      {"ops::astype", "an output that the input does not broadcast to", kOpValue, "astype",
       [](Canaries& c) { ops::astype(c.input<float>({3}).get(), c.output<float>({4}).get()); }},
  };
}

}  // namespace
}  // namespace tessera
