// Kernels and statements (see emitter.h).
#include <algorithm>
#include <cctype>
#include <map>

#include "codegen/cuda/emitter.h"
#include "lower/gpu_thread_reduce.h"
#include "tessera/ir/functor.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/utils.h"

namespace tessera::codegen::cuda_detail {
namespace {

bool is_identifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// Names the emitter must not give variables: C++ keywords and the CUDA and math names the
// kernels call (a variable named `exp` would hide exp()).
const std::unordered_set<std::string>& reserved() {
  static const std::unordered_set<std::string> words = [] {
    std::unordered_set<std::string> w = {
        "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case",
        "catch", "char", "char16_t", "char32_t", "class", "compl", "concept", "const", "constexpr",
        "const_cast", "continue", "decltype", "default", "delete", "do", "double", "dynamic_cast",
        "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto", "if",
        "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr",
        "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
        "requires", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast",
        "struct", "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef",
        "typeid", "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t",
        "while", "xor", "xor_eq", "lane", "blockIdx", "threadIdx", "blockDim", "gridDim", "warpSize",
        "dim3", "uint2", "uint4", "memcpy", "min", "max", "abs", "isnan", "isinf", "isfinite",
        "signbit"};
    for (const char* f : {"exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "sin", "cos",
                          "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
                          "floor", "ceil", "trunc", "rint", "atan2", "pow", "hypot", "copysign", "fmod",
                          "fma", "fabs", "nextafter"}) {
      w.insert(f);
      w.insert(std::string(f) + "f");
    }
    return w;
  }();
  return words;
}

// The largest constant extent of each threadIdx tag: the block size for __launch_bounds__.
int64_t block_threads(const ir::Stmt& body) {
  std::map<std::string, int64_t> extents;
  ir::post_order_visit(body, [&](const ir::Stmt& s) {
    const auto* loop = s.as<ir::ForNode>();
    if (!loop || loop->for_kind != ir::ForKind::ThreadBinding || loop->thread_tag.rfind("threadIdx", 0) != 0) return;
    const int64_t* n = ir::as_const_int(loop->extent);
    if (!n) throw ir::IRError("tessera CUDA codegen: " + loop->thread_tag + " extent of " + loop->var.name() + " is not a constant");
    extents[loop->thread_tag] = std::max(extents[loop->thread_tag], *n);
  });
  int64_t threads = 1;
  for (const auto& [tag, n] : extents) threads *= n;
  return threads;
}

// "blockIdx.x < n, threadIdx.x < 256": the launch shape, as a comment above the kernel.
std::string launch_comment(const ir::Stmt& body) {
  std::map<std::string, std::string> extents;
  ir::post_order_visit(body, [&](const ir::Stmt& s) {
    if (const auto* loop = s.as<ir::ForNode>(); loop && loop->for_kind == ir::ForKind::ThreadBinding)
      extents.emplace(loop->thread_tag, ir::to_string(loop->extent));
  });
  std::string s;
  for (const auto& [tag, extent] : extents) s += (s.empty() ? "" : ", ") + tag + " < " + extent;
  return s.empty() ? "a single thread" : s;
}

}  // namespace

std::string CudaEmitter::fresh(const std::string& hint) {
  std::string base;
  for (char c : hint) base += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (base.empty() || std::isdigit(static_cast<unsigned char>(base[0])) || reserved().count(base) ||
      base.rfind("tessera_", 0) == 0 || base.rfind("__", 0) == 0)
    base = "v_" + base;
  std::string name = base;
  for (int k = 1; !used_.insert(name).second; ++k) name = base + "_" + std::to_string(k);
  return name;
}

std::string CudaEmitter::bind_name(const ir::Var& v, const std::string& hint) {
  std::string name = fresh(hint);
  names_[v.get()] = name;
  return name;
}

void CudaEmitter::line(const std::string& text) {
  body_ << std::string(2 * indent_, ' ') << text << "\n";
}

void CudaEmitter::note_type(DataType t) {
  uses_fp16_ = uses_fp16_ || t.is_float16();
  uses_bf16_ = uses_bf16_ || t.is_bfloat16();
}

std::string CudaEmitter::signature(const ir::LoweredFunc& device) {
  std::string params;
  for (const ir::KernelParam& p : device.params) {
    if (!params.empty()) params += ", ";
    if (p.kind == ir::KernelParam::Kind::Tensor) {
      const ir::BufferNode* b = p.buffer.get();
      note_type(b->dtype);
      std::string name = bind_name(b->data, b->name);
      pointers_[b->data.get()] = {name, b->dtype};
      params += std::string(p.is_output ? "" : "const ") + storage_type(b->dtype) + "* " + name;
    } else {
      note_type(p.var.type());
      params += c_type(p.var.type()) + " " + bind_name(p.var, p.var.name());
    }
  }
  return params;
}

void CudaEmitter::emit_kernel(const ir::LoweredFunc& device) {
  if (device.packed)
    throw ir::IRError("tessera CUDA codegen: kernel " + device.name + " is packed; split it with split_host_device");
  if (!is_identifier(device.name))
    throw ir::IRError("tessera CUDA codegen: kernel name '" + device.name + "' is not a C identifier");
  kernel_ = device.name;
  names_.clear();
  arrays_.clear();
  from_memory_.clear();
  pointers_.clear();
  used_.clear();
  hoisted_.clear();
  body_.str("");
  indent_ = 1;
  std::string params = signature(device);
  stmt(device.body);
  out_ << "// " << device.name << ": " << launch_comment(device.body) << "\n"
       << "extern \"C\" __global__ void __launch_bounds__(" << block_threads(device.body) << ") "
       << device.name << "(" << params << ") {\n"
       << body_.str() << "}\n\n";
}

void CudaEmitter::stmt(const ir::Stmt& s) {
  if (!s.defined()) return;
  switch (s.kind()) {
    case ir::StmtKind::For: return for_loop(s.as<ir::ForNode>());
    case ir::StmtKind::Store: return store(s.as<ir::StoreNode>());
    case ir::StmtKind::Seq:
      for (const ir::Stmt& child : s.as<ir::SeqNode>()->seq) stmt(child);
      return;
    case ir::StmtKind::IfThenElse: {
      const auto* op = s.as<ir::IfThenElseNode>();
      share_common({op->condition});
      std::string cond = expr(op->condition);
      shared_.clear();
      line("if (" + cond + ") {");
      ++indent_;
      stmt(op->then_case);
      --indent_;
      if (op->else_case.defined()) {
        line("} else {");
        ++indent_;
        stmt(op->else_case);
        --indent_;
      }
      line("}");
      return;
    }
    case ir::StmtKind::LetStmt: return let_stmt(s.as<ir::LetStmtNode>());
    case ir::StmtKind::Allocate: return allocate(s.as<ir::AllocateNode>());
    case ir::StmtKind::Assert: {
      // Argument checks run on the host; an assertion left in a kernel stops it.
      const auto* op = s.as<ir::AssertNode>();
      std::string message;
      for (const ir::Expr& part : op->message)
        if (const auto* text = part.as<ir::StringImmNode>()) message += text->value;
      std::replace(message.begin(), message.end(), '\n', ' ');
      line("if (!(" + expr(op->condition) + ")) __trap();  // " + message);
      return;
    }
    case ir::StmtKind::Evaluate: {
      if (lower::GpuBarrier b = lower::as_gpu_barrier(s); b != lower::GpuBarrier::None) {
        line(b == lower::GpuBarrier::Warp ? "__syncwarp();" : "__syncthreads();");
        return;
      }
      const ir::Expr& value = s.as<ir::EvaluateNode>()->value;
      if (value.type().is_vector()) throw ir::IRError("tessera CUDA codegen: vector Evaluate in " + kernel_);
      line("(void)(" + expr(value) + ");");
      return;
    }
  }
  throw ir::IRError("tessera CUDA codegen: unknown statement kind in " + kernel_);
}

void CudaEmitter::for_loop(const ir::ForNode* op) {
  const DataType t = op->var.type();
  if (!t.is_integer() || t.is_vector())
    throw ir::IRError("tessera CUDA codegen: loop variable " + op->var.name() + " of type " + t.str());
  if (op->for_kind == ir::ForKind::Parallel)
    throw ir::IRError("tessera CUDA codegen: loop " + op->var.name() + " is parallel (CPU threads) in " + kernel_);
  std::string min = expr(op->min);
  if (op->for_kind == ir::ForKind::ThreadBinding) {
    // Launched with exactly the extent of this tag (split_host_device guards shorter loops).
    std::string index = "(" + c_type(t) + ")" + op->thread_tag;
    if (!ir::is_const_int(op->min, 0)) index = min + " + " + index;
    line("const " + c_type(t) + " " + bind_name(op->var, op->var.name()) + " = " + index + ";");
    stmt(op->body);
    return;
  }
  std::string extent = expr(op->extent);
  std::string name = bind_name(op->var, op->var.name());
  std::string end = fresh(name + "_end");
  if (op->for_kind == ir::ForKind::Unrolled) line("#pragma unroll");
  line("for (" + c_type(t) + " " + name + " = " + min + ", " + end + " = " + name + " + " + extent + "; " + name +
       " < " + end + "; ++" + name + ") {");
  ++indent_;
  stmt(op->body);
  --indent_;
  line("}");
}

void CudaEmitter::store(const ir::StoreNode* op) {
  const DataType vt = op->value.type();
  if (vt.element_of() != op->buffer->dtype)
    throw ir::IRError("tessera CUDA codegen: storing " + vt.str() + " into buffer " + op->buffer->name + " of " +
                      op->buffer->dtype.str());
  ir::Expr index = flat_index(op->buffer, op->indices);
  share_common({op->value, index});
  if (vt.is_vector()) {
    vector_store(op);
  } else {
    std::string value = expr(op->value);
    if (vt.is_bool()) value = "(unsigned char)(" + value + ")";
    line(pointer(op->buffer) + "[" + expr(index) + "] = " + value + ";");
  }
  shared_.clear();
}

void CudaEmitter::let_stmt(const ir::LetStmtNode* op) {
  const DataType t = op->value.type();
  note_type(t);
  if (reads_memory(op->value)) from_memory_.insert(op->var.get());
  if (t.is_vector()) {
    std::string array = vector_to_array(op->value, false);
    names_[op->var.get()] = array;
    arrays_.insert(op->var.get());
  } else if (t.is_handle()) {
    std::string value = expr(op->value);
    line("void* const " + bind_name(op->var, op->var.name()) + " = " + value + ";");
  } else {
    std::string value = expr(op->value);
    line("const " + c_type(t) + " " + bind_name(op->var, op->var.name()) + " = " + value + ";");
  }
  stmt(op->body);
}

void CudaEmitter::allocate(const ir::AllocateNode* op) {
  const ir::BufferNode* b = op->buffer.get();
  note_type(b->dtype);
  int64_t elements = 1;
  for (const ir::Expr& dim : b->shape) {
    const int64_t* n = ir::as_const_int(dim);
    if (!n || *n < 0)
      throw ir::IRError("tessera CUDA codegen: buffer " + b->name + " in " + kernel_ + " has a symbolic size");
    elements *= *n;
  }
  std::string qualifier;
  if (b->scope == "shared") qualifier = "__shared__ ";
  else if (b->scope != "local")
    throw ir::IRError("tessera CUDA codegen: buffer " + b->name + " in " + kernel_ + " has scope " + b->scope +
                      "; kernels can only allocate local or shared memory");
  std::string name = bind_name(b->data, b->name);
  pointers_[b->data.get()] = {name, b->dtype};
  line(qualifier + storage_type(b->dtype) + " " + name + "[" + std::to_string(std::max<int64_t>(elements, 1)) + "];");
  stmt(op->body);
}

}  // namespace tessera::codegen::cuda_detail
