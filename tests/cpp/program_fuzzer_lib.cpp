// The checker of the program fuzzer (see program_fuzzer.h): argument arrays with random
// layouts and special values, the native / interpreter / unscheduled-reference runs and
// their comparison, crash isolation in a child process, and the minimizer. The programs
// come from fuzz/program_fuzzer.cpp.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>
#include <sstream>

#include "program_fuzzer.h"
#include "program_fuzzer_gpu.h"
#include "tessera/build.h"
#include "tessera/interp/interpreter.h"
#include "tessera/ir/printer.h"
#include "test_util.h"

namespace tessera::fuzz {
namespace {

using ir::DataType;
using ir::Expr;
using ir::IterVar;
using ir::Var;
using schedule::Schedule;
using schedule::ScheduleError;
using schedule::Stage;
using schedule::StagePtr;
using te::Tensor;

// ---- argument arrays -----------------------------------------------------------------------

DLDataType dl_type(DataType t) {
  uint8_t code = t.is_bool() ? kDLBool : t.is_int() ? kDLInt : t.is_uint() ? kDLUInt
               : t.is_bfloat16() ? kDLBfloat : kDLFloat;
  return {code, static_cast<uint8_t>(t.bits), 1};
}

uint16_t to_bfloat16(float f) {
  uint32_t b = std::bit_cast<uint32_t>(f);
  if (std::isnan(f)) return static_cast<uint16_t>((b >> 16) | 0x40);
  return static_cast<uint16_t>((b + 0x7FFF + ((b >> 16) & 1)) >> 16);
}

// Bits of a float element as a double (for messages), NaN test and ordered integer (ULP).
double float_value(DataType t, uint64_t bits) {
  if (t.is_bfloat16()) return std::bit_cast<float>(static_cast<uint32_t>(bits << 16));
  if (t.bits == 16) return static_cast<double>(std::bit_cast<_Float16>(static_cast<uint16_t>(bits)));
  if (t.bits == 32) return std::bit_cast<float>(static_cast<uint32_t>(bits));
  return std::bit_cast<double>(bits);
}
int64_t ordered(DataType t, uint64_t bits) {
  uint64_t sign = uint64_t{1} << (t.bits - 1);
  int64_t mag = static_cast<int64_t>(bits & (sign - 1));
  return (bits & sign) ? -mag : mag;
}

struct Array {
  DataType type;
  std::vector<int64_t> shape, strides;
  int64_t offset = 0, span = 1;
  std::vector<uint64_t> words;
  DLDevice device{kDLCPU, 0};  // what the tensor says; the words are in host memory
  DLTensor dl{};

  int bytes() const { return type.bytes(); }
  uint8_t* slot(int64_t e) { return reinterpret_cast<uint8_t*>(words.data()) + e * bytes(); }
  uint64_t get(int64_t e) {
    uint64_t v = 0;
    std::memcpy(&v, slot(e), bytes());
    return v;
  }
  void set(int64_t e, uint64_t v) { std::memcpy(slot(e), &v, bytes()); }
  DLTensor* dltensor() {
    dl.data = words.data();
    dl.device = device;
    dl.ndim = static_cast<int32_t>(shape.size());
    dl.dtype = dl_type(type);
    dl.shape = shape.data();
    dl.strides = strides.data();
    dl.byte_offset = static_cast<uint64_t>(offset * bytes());
    return &dl;
  }
  // Element offsets of the logical elements, row-major.
  std::vector<int64_t> element_offsets() const {
    std::vector<int64_t> out;
    for (const auto& idx : testing::all_indices(shape)) {
      int64_t e = offset;
      for (size_t d = 0; d < idx.size(); ++d) e += idx[d] * strides[d];
      out.push_back(e);
    }
    return out;
  }
};

Array make_array(Rng& r, DataType type, std::vector<int64_t> shape, bool is_input, bool compact_only,
                 std::ostringstream& text) {
  Array a;
  a.type = type;
  a.shape = std::move(shape);
  size_t n = a.shape.size();
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;  // order[0] is the outermost in memory
  int kind = compact_only ? 0 : r.below(100);
  if (kind >= 50 && kind < 65)
    for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[r.below(i)]);
  a.strides.assign(n, 0);
  int64_t stride = 1;
  for (size_t i = n; i-- > 0;) {
    a.strides[order[i]] = stride;
    // Plain compact strides follow NumPy (a dimension of size 0 gives stride 0 outside it).
    int64_t ext = kind < 50 ? a.shape[order[i]] : std::max<int64_t>(a.shape[order[i]], 1);
    if (kind >= 65 && kind < 80) ext += r.between(1, 3);  // padding
    stride *= ext;
  }
  if (n > 0 && kind >= 80 && kind < 90) a.strides[r.below(n)] *= -1;
  if (n > 0 && kind >= 90 && is_input) a.strides[r.below(n)] = 0;
  int64_t lo = 0, hi = 0;
  bool empty = false;
  for (size_t d = 0; d < n; ++d) {
    if (a.shape[d] == 0) empty = true;
    int64_t reach = a.strides[d] * (std::max<int64_t>(a.shape[d], 1) - 1);
    (reach < 0 ? lo : hi) += reach;
  }
  a.offset = -lo + (compact_only ? 0 : r.below(3));
  a.span = a.offset + hi + 1;
  if (empty) a.span = a.offset + 1;
  a.words.assign((a.span * a.bytes() + 7) / 8 + 1, 0);
  text << " shape [";
  for (size_t d = 0; d < n; ++d) text << (d ? ", " : "") << a.shape[d];
  text << "] strides [";
  for (size_t d = 0; d < n; ++d) text << (d ? ", " : "") << a.strides[d];
  text << "] offset " << a.offset << "\n";
  return a;
}

uint64_t random_element(Rng& r, DataType t) {
  if (t.is_bool()) return r.below(2);
  if (t.is_integer()) {
    uint64_t mask = t.bits == 64 ? ~uint64_t{0} : (uint64_t{1} << t.bits) - 1;
    int64_t min = t.is_int() ? static_cast<int64_t>(~uint64_t{0} << (t.bits - 1)) : 0;  // no signed overflow
    int64_t max = t.is_int() ? static_cast<int64_t>(mask >> 1) : static_cast<int64_t>(mask);
    int k = r.below(100);
    int64_t v;
    if (k < 45) v = r.between(t.is_int() ? -6 : 0, 12);
    else if (k < 65) v = std::array<int64_t, 7>{min, max, min + 1, max - 1, 0, -1, 1}[r.below(7)];
    else v = static_cast<int64_t>(r.raw());
    return static_cast<uint64_t>(v) & mask;
  }
  int k = r.below(100);
  if (k < 10) return r.raw() & (t.bits == 64 ? ~uint64_t{0} : (uint64_t{1} << t.bits) - 1);
  double v;
  static const double kSpecial[] = {NAN, -NAN, INFINITY, -INFINITY, 0.0, -0.0, 1.0, -1.0,
                                    5e-324, 1e-45, 6e-8, 1e-40, 65504.0, 3.4e38, 1.7e308, 0.5};
  if (k < 40) v = r.between(-12, 12) * 0.5;
  else if (k < 70) v = std::ldexp(static_cast<double>(r.raw() >> 11), -53) * 200 - 100;
  else if (k < 85) v = kSpecial[r.below(std::size(kSpecial))];
  else v = std::ldexp(static_cast<double>(r.raw() >> 11), -53) * std::ldexp(1.0, r.between(-140, 140)) * (r.chance(50) ? 1 : -1);
  if (t.is_bfloat16()) return to_bfloat16(static_cast<float>(v));
  if (t.bits == 16) return std::bit_cast<uint16_t>(static_cast<_Float16>(v));
  if (t.bits == 32) return std::bit_cast<uint32_t>(static_cast<float>(v));
  return std::bit_cast<uint64_t>(v);
}

std::string element_text(DataType t, uint64_t bits) {
  std::ostringstream os;
  if (t.is_float()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g (0x%llx)", float_value(t, bits), static_cast<unsigned long long>(bits));
    os << buf;
  } else if (t.is_int()) {
    int64_t v = static_cast<int64_t>(bits << (64 - t.bits)) >> (64 - t.bits);
    os << v;
  } else {
    os << bits;
  }
  return os.str();
}

bool is_nan(DataType t, uint64_t bits) { return t.is_float() && std::isnan(float_value(t, bits)); }

// ---- running -------------------------------------------------------------------------------

// ---- checkpoints: a forked child reports its latest state through a pipe ------------------

int g_checkpoint_fd = -1;
constexpr uint64_t kRecordMagic = 0x7465737365726146ull;

void put(std::string& out, uint64_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
void put(std::string& out, const std::string& s) {
  put(out, static_cast<uint64_t>(s.size()));
  out += s;
}

std::string serialize(const FuzzResult& r) {
  std::string body;
  put(body, r.seed);
  put(body, static_cast<uint64_t>(r.outcome));
  put(body, r.program);
  put(body, r.schedule);
  put(body, static_cast<uint64_t>(r.schedule_errors.size()));
  for (const std::string& e : r.schedule_errors) put(body, e);
  put(body, static_cast<uint64_t>(r.schedule_steps));
  put(body, r.message);
  put(body, r.lowered_ir);
  put(body, static_cast<uint64_t>(r.elements_compared));
  put(body, r.phase);
  put(body, r.reference_ir);
  std::string rec;
  put(rec, kRecordMagic);
  put(rec, static_cast<uint64_t>(body.size()));
  return rec + body;
}

class Reader {
 public:
  Reader(const std::string& s, size_t pos, size_t end) : s_(s), pos_(pos), end_(end) {}
  uint64_t u64() {
    uint64_t v = 0;
    if (pos_ + 8 <= end_) std::memcpy(&v, s_.data() + pos_, 8);
    pos_ += 8;
    return v;
  }
  std::string str() {
    uint64_t n = u64();
    if (pos_ + n > end_) n = end_ > pos_ ? end_ - pos_ : 0;
    std::string out = s_.substr(pos_, n);
    pos_ += n;
    return out;
  }

 private:
  const std::string& s_;
  size_t pos_, end_;
};

// The last complete record in buf.
bool parse_last(const std::string& buf, FuzzResult* r) {
  bool found = false;
  for (size_t pos = 0; pos + 16 <= buf.size();) {
    Reader head(buf, pos, buf.size());
    if (head.u64() != kRecordMagic) break;
    uint64_t len = head.u64();
    if (pos + 16 + len > buf.size()) break;
    Reader in(buf, pos + 16, pos + 16 + len);
    r->seed = in.u64();
    r->outcome = static_cast<Outcome>(in.u64());
    r->program = in.str();
    r->schedule = in.str();
    r->schedule_errors.resize(in.u64());
    for (std::string& e : r->schedule_errors) e = in.str();
    r->schedule_steps = static_cast<int>(in.u64());
    r->message = in.str();
    r->lowered_ir = in.str();
    r->elements_compared = static_cast<int64_t>(in.u64());
    r->phase = in.str();
    r->reference_ir = in.str();
    found = true;
    pos += 16 + len;
  }
  return found;
}

void checkpoint(FuzzResult* res, const char* phase) {
  res->phase = phase;
  if (g_checkpoint_fd < 0) return;
  std::string rec = serialize(*res);
  for (size_t done = 0; done < rec.size();) {
    ssize_t n = write(g_checkpoint_fd, rec.data() + done, rec.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}


// approx: 0 for exact outputs, else the significand bits the approximate math ran with.
void compare(const std::string& what, Array& native, Array& interp, int approx, FuzzResult* res,
             const char* native_name = "native", const char* interp_name = "interpreter") {
  std::vector<int64_t> logical = native.element_offsets();
  std::vector<char> is_logical(native.span, 0);
  for (int64_t e : logical) is_logical[e] = 1;
  auto idx_all = testing::all_indices(native.shape);
  DataType t = native.type;
  for (size_t i = 0; i < logical.size(); ++i) {
    uint64_t x = native.get(logical[i]), y = interp.get(logical[i]);
    ++res->elements_compared;
    bool same = x == y;
    std::string why;
    if (!same && t.is_float()) {
      bool nx = is_nan(t, x), ny = is_nan(t, y);
      if (nx && ny) same = true;
      else if (!nx && !ny && approx) {
        __int128 diff = static_cast<__int128>(ordered(t, x)) - ordered(t, y);
        int64_t ulps = static_cast<int64_t>(std::min<__int128>(diff < 0 ? -diff : diff, INT64_MAX));
        int64_t tolerance = kMathUlpTolerance << std::max(0, float_precision(t) - approx);
        same = ulps <= tolerance;
        why = " (" + std::to_string(ulps) + " ULP apart, tolerance " + std::to_string(tolerance) + ")";
      }
    }
    if (same) continue;
    std::ostringstream os;
    os << what << "[";
    for (size_t d = 0; d < idx_all[i].size(); ++d) os << (d ? ", " : "") << idx_all[i][d];
    os << "] (" << t.str() << (approx ? ", approximate" : ", exact") << "): " << native_name << " "
       << element_text(t, x) << ", " << interp_name << " " << element_text(t, y) << why;
    res->outcome = Outcome::Mismatch;
    res->message = os.str();
    return;
  }
  for (int64_t e = 0; e < native.span; ++e) {
    if (is_logical[e] || native.get(e) == interp.get(e)) continue;
    res->outcome = Outcome::Mismatch;
    res->message = what + ": element slot " + std::to_string(e) + " outside the tensor changed (" + native_name +
                   " " + element_text(t, native.get(e)) + ", " + interp_name + " " + element_text(t, interp.get(e)) + ")";
    return;
  }
}

// CPU time of all threads of this process: unlike wall time, it does not grow when other
// processes (a second fuzzer, a build) share the cores.
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

void execute(uint64_t seed, const FuzzOptions& opt, FuzzResult* res) {
  GeneratedProgram g;
  auto keep_texts = [&] {
    res->program = g.program.text;
    res->schedule = g.schedule_text;
    res->schedule_errors = g.schedule_errors;
    res->schedule_steps = g.schedule_steps;
  };
  GenOptions gen = opt.gen;
  gen.gpu = opt.gpu != GpuRun::None;
  try {
    generate_program(seed, gen, &g);
  } catch (...) {
    keep_texts();
    throw;
  }
  keep_texts();
  Program& p = g.program;
  Rng data(seed * 0x94D049BB133111EBull + 3);
  bool contiguous = opt.force_contiguous || data.chance(25);
  std::ostringstream layout;
  layout << (contiguous ? "lowering: contiguous\n" : "lowering: strided\n");
  BuildOptions bo;
  bo.lower.contiguous = contiguous;
  checkpoint(res, "building");
  std::optional<Kernel> kernel;
  std::optional<GpuKernel> gpu;
  try {
    if (opt.gpu == GpuRun::None) kernel.emplace(build(*g.schedule, p.args, "fuzz_kernel", bo));
    else gpu.emplace(*g.schedule, p.args, opt.gpu, bo.lower);
  } catch (const ScheduleError& e) {
    res->outcome = Outcome::Rejected;
    res->message = std::string("ScheduleError at build: ") + e.what();
    return;
  } catch (const std::exception& e) {
    res->outcome = Outcome::CompilerError;
    res->message = std::string("build threw: ") + e.what();
    return;
  }
  const ir::LoweredFunc& lowered = kernel ? kernel->lowered() : gpu->lowered();
  res->lowered_ir = ir::to_string(lowered.body);
  const DLDevice native_device = gpu ? DLDevice{kDLCUDA, 0} : DLDevice{kDLCPU, 0};

  auto shape_of = [&](const TensorInfo& t) {
    std::vector<int64_t> shape;
    for (int d : t.dims) shape.push_back(d < 0 ? 1 : p.dims[d].size);
    return shape;
  };
  std::vector<Array> inputs, out_native, out_interp;
  inputs.reserve(p.placeholders.size());
  for (const TensorInfo& t : p.placeholders) {
    layout << t.tensor.name() << ":";
    inputs.push_back(make_array(data, t.tensor.dtype(), shape_of(t), true, contiguous, layout));
    Array& a = inputs.back();
    for (int64_t e = 0; e < a.span; ++e) a.set(e, random_element(data, a.type));
  }
  for (const TensorInfo& t : p.outputs) {
    layout << t.tensor.name() << ":";
    out_native.push_back(make_array(data, t.tensor.dtype(), shape_of(t), false, contiguous, layout));
    Array& a = out_native.back();
    for (uint64_t& w : a.words) w = data.raw();  // garbage the kernel must overwrite or keep
    out_interp.push_back(a);
  }
  const std::vector<Array> out_initial = out_interp;
  res->program += layout.str();
  auto arg_list = [&](std::vector<Array>& outs, DLDevice device) {
    std::vector<KernelArgValue> args;
    auto tensor = [&](Array& a) {
      a.device = device;
      return a.dltensor();
    };
    for (Array& a : inputs) args.push_back(tensor(a));
    for (Array& a : outs) args.push_back(tensor(a));
    for (const auto& [v, value] : p.scalars) {
      if (v.type().is_float()) args.push_back(value);
      else args.push_back(static_cast<int64_t>(value));
    }
    return args;
  };
  checkpoint(res, "running the native kernel");
  std::vector<KernelArgValue> native_args = arg_list(out_native, native_device);
  PackedArgs packed(native_args);
  double native_start = process_cpu_seconds();
  int32_t native_status;
  std::string native_error;
  if (kernel) {
    native_status = kernel->call(packed.values.data(), packed.codes.data(), static_cast<int32_t>(native_args.size()));
  } else {
    std::vector<ArgBuffer> buffers;
    for (std::vector<Array>* arrays : {&inputs, &out_native})
      for (Array& a : *arrays) buffers.push_back({&a.dl, a.words.size() * sizeof(uint64_t)});
    try {
      native_status = gpu->run(native_args, buffers);
    } catch (const std::exception& e) {
      native_status = -1;
      native_error = std::string("threw: ") + e.what();
    }
  }
  double native_seconds = process_cpu_seconds() - native_start;
  if (native_status && native_error.empty()) native_error = tessera_last_error();
  if (gpu && gpu->on_device() && native_status == 0 && gpu->device_seconds() > kMaxGpuSecondsToInterpret) {
    res->outcome = Outcome::TooSlow;
    res->message = "the kernel ran " + std::to_string(gpu->device_seconds() * 1e3) + " ms on the GPU; not interpreted";
    return;
  }
  if ((!gpu || !gpu->on_device()) && native_status == 0 && native_seconds > kMaxNativeSecondsToInterpret) {
    res->outcome = Outcome::TooSlow;
    res->message = "the native kernel used " + std::to_string(native_seconds * 1e3) + " ms of CPU; not interpreted";
    return;
  }
  checkpoint(res, "running the interpreter");
  std::string interp_error;
  int32_t interp_status;
  try {
    std::vector<KernelArgValue> interp_args = arg_list(out_interp, native_device);
    PackedArgs interp_packed(interp_args);
    interp_status = interp::run(lowered, interp_packed.values.data(), interp_packed.codes.data(),
                                static_cast<int32_t>(interp_args.size()), &interp_error);
  } catch (const std::exception& e) {
    res->outcome = Outcome::KernelError;
    res->message = std::string("interpreter threw: ") + e.what();
    return;
  }
  checkpoint(res, "comparing");
  if (native_status != 0 || interp_status != 0) {
    res->outcome = Outcome::KernelError;
    res->message = "native status " + std::to_string(native_status) + " (" + native_error + "), interpreter status " +
                   std::to_string(interp_status) + " (" + interp_error + ")";
    return;
  }
  if (opt.corrupt_native_output)
    for (size_t i = 0; i < p.outputs.size(); ++i) {
      std::vector<int64_t> logical = out_native[i].element_offsets();
      if (logical.empty()) continue;
      DataType t = out_native[i].type;
      int bit = t.is_float() ? t.bits - 2 : 0;  // the top exponent bit turns NaN into a number and back
      out_native[i].set(logical[0], out_native[i].get(logical[0]) ^ (uint64_t{1} << bit));
      break;
    }
  for (size_t i = 0; i < p.outputs.size() && res->outcome == Outcome::Passed; ++i)
    compare(p.outputs[i].tensor.name(), out_native[i], out_interp[i], p.outputs[i].approx, res);
  if (res->outcome != Outcome::Passed) return;

  // The same program without a schedule, interpreted: native code and the interpreter run
  // one lowered function, so they share any bug of the schedule and lowering passes.
  checkpoint(res, "lowering the unscheduled reference");
  std::vector<Tensor> outs;
  for (const TensorInfo& t : p.outputs) outs.push_back(t.tensor);
  ir::LoweredFunc reference;
  try {
    reference = lower::lower(schedule::create_schedule(outs), p.args, "fuzz_reference", bo.lower);
  } catch (const std::exception& e) {
    res->outcome = Outcome::CompilerError;
    res->message = std::string("lowering the unscheduled reference threw: ") + e.what();
    return;
  }
  checkpoint(res, "interpreting the unscheduled reference");
  std::vector<Array> out_reference = out_initial;
  std::vector<KernelArgValue> reference_args = arg_list(out_reference, DLDevice{kDLCPU, 0});
  PackedArgs reference_packed(reference_args);
  std::string reference_error;
  int32_t reference_status;
  try {
    reference_status = interp::run(reference, reference_packed.values.data(), reference_packed.codes.data(),
                                   static_cast<int32_t>(reference_args.size()), &reference_error);
  } catch (const std::exception& e) {
    reference_status = -1;
    reference_error = std::string("threw: ") + e.what();
  }
  checkpoint(res, "comparing with the reference");
  if (reference_status != 0) {
    res->outcome = Outcome::KernelError;
    res->message = "unscheduled reference failed: " + reference_error;
  }
  for (size_t i = 0; i < p.outputs.size() && res->outcome == Outcome::Passed; ++i)
    if (!p.outputs[i].order_sensitive)
      compare(p.outputs[i].tensor.name(), out_native[i], out_reference[i], p.outputs[i].approx, res,
              "scheduled native", "unscheduled reference");
  if (res->outcome != Outcome::Passed) res->reference_ir = ir::to_string(reference.body);
}

}  // namespace

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::Passed: return "passed";
    case Outcome::Rejected: return "rejected";
    case Outcome::TooSlow: return "too slow to interpret";
    case Outcome::Mismatch: return "MISMATCH";
    case Outcome::CompilerError: return "COMPILER ERROR";
    case Outcome::KernelError: return "KERNEL ERROR";
    case Outcome::GeneratorError: return "GENERATOR ERROR";
    case Outcome::Crash: return "CRASH";
    case Outcome::Timeout: return "TIMEOUT";
  }
  return "?";
}

std::string FuzzResult::report() const {
  std::ostringstream os;
  os << "==== program fuzzer seed " << seed << ": " << to_string(outcome) << "\n"
     << message << "\n---- program\n" << program << "---- schedule\n" << schedule;
  if (!lowered_ir.empty()) os << "---- lowered IR\n" << lowered_ir << "\n";
  if (!reference_ir.empty()) os << "---- lowered IR of the unscheduled reference\n" << reference_ir << "\n";
  return os.str();
}

FuzzResult run_program(uint64_t seed, const FuzzOptions& options) {
  FuzzResult res;
  res.seed = seed;
  checkpoint(&res, "generating");
  try {
    execute(seed, options, &res);
  } catch (const std::exception& e) {
    // Thrown while generating the program or schedule: te/op.h or a schedule primitive.
    res.outcome = res.schedule.find("THREW") != std::string::npos ? Outcome::CompilerError : Outcome::GeneratorError;
    res.message = std::string("threw while generating: ") + e.what();
  }
  checkpoint(&res, "done");
  return res;
}

FuzzResult run_program_isolated(uint64_t seed, const FuzzOptions& options, int timeout_seconds) {
  timeout_seconds *= kSanitizerSlowdown > 1 ? 2 : 1;
  int fds[2];
  if (pipe(fds) != 0) return run_program(seed, options);
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return run_program(seed, options);
  }
  if (pid == 0) {
    close(fds[0]);
    g_checkpoint_fd = fds[1];
    run_program(seed, options);
    _exit(0);
  }
  close(fds[1]);
  std::string buf;
  bool timed_out = false;
  clockid_t child_cpu_clock;
  const bool have_cpu_clock = clock_getcpuclockid(pid, &child_cpu_clock) == 0;
  auto child_cpu_seconds = [&] {
    timespec t{};
    if (!have_cpu_clock || clock_gettime(child_cpu_clock, &t) != 0) return 0.0;
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
  };
  const auto start = std::chrono::steady_clock::now();
  const auto wall_deadline = start + std::chrono::seconds(have_cpu_clock ? 4 * timeout_seconds : timeout_seconds);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(wall_deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || child_cpu_seconds() > timeout_seconds) {
      timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    pollfd pfd{fds[0], POLLIN, 0};
    int ready = poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), 250)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char chunk[65536];
    ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buf.append(chunk, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  FuzzResult r;
  r.seed = seed;
  r.phase = "starting";
  parse_last(buf, &r);
  if (timed_out) {
    r.outcome = Outcome::Timeout;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.message = "no result after " + std::to_string(timeout_seconds) + " s of CPU time (" +
                std::to_string(static_cast<int>(wall)) + " s wall-clock) while " + r.phase;
  } else if (WIFSIGNALED(status)) {
    r.outcome = Outcome::Crash;
    r.message = "killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) +
                ") while " + r.phase;
  } else if (r.phase != "done") {
    r.outcome = Outcome::Crash;
    r.message = "exited with status " + std::to_string(WEXITSTATUS(status)) + " while " + r.phase;
  }
  return r;
}

std::string describe_program(uint64_t seed, const FuzzOptions& options) {
  GeneratedProgram g;
  std::string error;
  try {
    generate_program(seed, options.gen, &g);
  } catch (const std::exception& e) {
    error = std::string("threw: ") + e.what() + "\n";
  }
  return g.program.text + g.schedule_text + error;
}

FuzzResult minimize(uint64_t seed, FuzzOptions* options_out) {
  FuzzOptions opt = options_out ? *options_out : FuzzOptions{};  // keeps where it runs (GPU)
  FuzzResult best = run_program_isolated(seed, opt);
  if (!is_failure(best.outcome)) return best;
  auto still_fails = [&](const FuzzOptions& o, FuzzResult* r) {
    *r = run_program_isolated(seed, o);
    return r->outcome == best.outcome;
  };
  FuzzResult r;
  for (int size : {1, 2, 3, 5, 8, 13}) {
    FuzzOptions o = opt;
    o.gen.max_dim_size = size;
    if (still_fails(o, &r)) {
      opt = o;
      best = r;
      break;
    }
  }
  FuzzOptions contiguous = opt;
  contiguous.force_contiguous = true;
  if (still_fails(contiguous, &r)) {
    opt = contiguous;
    best = r;
  }
  int steps = static_cast<int>(std::count(best.schedule.begin(), best.schedule.end(), '\n'));
  for (int step = 0; step < steps; ++step) {
    FuzzOptions o = opt;
    o.gen.skip_steps.insert(step);
    if (still_fails(o, &r)) {
      opt = o;
      best = r;
    }
  }
  if (options_out) *options_out = opt;
  return best;
}

}  // namespace tessera::fuzz
