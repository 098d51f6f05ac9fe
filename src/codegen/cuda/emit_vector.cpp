// Vector values, written lane by lane (see emitter.h).
#include <unordered_set>

#include "codegen/cuda/emitter.h"
#include "tessera/ir/utils.h"

namespace tessera::codegen::cuda_detail {
namespace {

constexpr const char* kLane = "lane";

// A vector index base + lane * stride with a constant stride (a Ramp, or a Ramp plus a
// Broadcast, which is how flattening offsets a vectorized index).
bool as_ramp(const ir::Expr& index, ir::Expr* base, int64_t* stride) {
  if (const auto* r = index.as<ir::RampNode>()) {
    const int64_t* s = ir::as_const_int(r->stride);
    if (!s) return false;
    *base = r->base;
    *stride = *s;
    return true;
  }
  if (const auto* add = index.as<ir::BinaryNode>(); add && add->op == ir::BinaryOp::Add) {
    for (int swap = 0; swap < 2; ++swap) {
      const ir::Expr& x = swap ? add->b : add->a;
      const ir::Expr& y = swap ? add->a : add->b;
      const auto* bc = y.as<ir::BroadcastNode>();
      if (bc && as_ramp(x, base, stride)) {
        *base = ir::BinaryNode::make(ir::BinaryOp::Add, *base, bc->value);
        return true;
      }
    }
  }
  return false;
}

std::unordered_set<const ir::VarNode*> let_vars_in(const ir::Expr& e) {
  std::unordered_set<const ir::VarNode*> vars;
  ir::post_order_visit(e, [&](const ir::Expr& x) {
    if (const auto* l = x.as<ir::LetNode>()) vars.insert(l->var.get());
  });
  return vars;
}

// Lane loops are unrolled so that their arrays stay in registers, unless the unrolled code
// would be large: NVRTC's time grows quickly with it (a fuzzed float16 expression with fmod,
// cos and hypot, 8 lanes in each of 9 loop-partition copies, took NVRTC over 30 s). Such a
// loop stays rolled, and its array lives in local memory.
constexpr int64_t kUnrolledLaneBudget = 2048;  // weighted IR nodes times lanes

// Weighted size of the code one lane of e becomes: math calls and 16-bit float conversions
// expand to many instructions, every other node to about one.
int64_t lane_code_size(const ir::Expr& e) {
  int64_t size = 0;
  ir::post_order_visit(e, [&](const ir::Expr& x) {
    if (x.as<ir::CallNode>()) size += 16;
    else if (const auto* c = x.as<ir::CastNode>(); c && (c->type.is_float() || c->value.type().is_float()) &&
                                                   (c->type.bits == 16 || c->value.type().bits == 16))
      size += 4;
    else size += 1;
  });
  return size;
}

}  // namespace

// Scalar and computable before the lane loop: every variable already has a scalar name.
bool CudaEmitter::lane_invariant(const ir::Expr& e) const {
  if (e.type().is_vector()) return false;
  for (const ir::Var& v : ir::free_vars(e))
    if (!names_.count(v.get()) || arrays_.count(v.get())) return false;
  return true;
}

std::string CudaEmitter::ramp(const ir::RampNode* op) {
  if (!lane_) throw ir::IRError("tessera CUDA codegen: Ramp outside a vector statement in " + kernel_);
  std::string base = expr(op->base);
  if (ir::is_const_int(op->stride, 1)) return "(" + base + " + " + lane_ + ")";
  return "(" + base + " + (" + c_type(op->base.type()) + ")" + lane_ + " * " + expr(op->stride) + ")";
}

void CudaEmitter::hoist_loads(const ir::Expr& e) {
  std::unordered_set<const ir::VarNode*> bound_inside = let_vars_in(e);
  ir::post_order_visit(e, [&](const ir::Expr& x) {
    const auto* op = x.as<ir::LoadNode>();
    if (!op || !op->type.is_vector() || op->buffer->scope == "local") return;  // registers: lane by lane
    ir::Expr base;
    int64_t stride = 0;
    if (!as_ramp(flat_index(op->buffer, op->indices), &base, &stride) || stride != 1) return;
    for (const ir::Var& v : ir::free_vars(base))
      if (bound_inside.count(v.get())) return;
    if (!lane_invariant(base)) return;
    for (const Hoisted& h : hoisted_) {
      bool same = h.load->buffer == op->buffer && h.load->indices.size() == op->indices.size();
      for (size_t i = 0; same && i < op->indices.size(); ++i) same = ir::equal(h.load->indices[i], op->indices[i]);
      if (same) {
        hoisted_.push_back({op, h.array});
        return;
      }
    }
    std::string array = fresh(op->buffer->name + "_v");
    std::string address = expr(base);
    line(storage_type(op->buffer->dtype) + " " + array + "[" + std::to_string(op->type.lanes) + "];");
    line("tessera_vload<" + std::to_string(op->type.lanes) + ">(" + array + ", " + pointer(op->buffer) + " + (" +
         address + "));");
    hoisted_.push_back({op, array});
  });
}

std::string CudaEmitter::lane_expr_of_load(const ir::LoadNode* op) {
  if (!lane_) throw ir::IRError("tessera CUDA codegen: vector load outside a vector statement in " + kernel_);
  for (const Hoisted& h : hoisted_) {
    if (h.load != op) continue;
    std::string value = h.array + "[" + lane_ + "]";
    return op->type.is_bool() ? "(" + value + " != 0)" : value;
  }
  ir::Expr index = flat_index(op->buffer, op->indices);
  std::string at;
  if (const auto* bc = index.as<ir::BroadcastNode>()) {
    const char* lane = lane_;
    lane_ = nullptr;  // one address for every lane
    at = expr(bc->value);
    lane_ = lane;
  } else {
    at = expr(index);  // a gather: this lane's index
  }
  std::string value = pointer(op->buffer) + "[" + at + "]";
  return op->type.is_bool() ? "(" + value + " != 0)" : value;
}

std::string CudaEmitter::vector_to_array(const ir::Expr& value, bool for_memory) {
  const DataType t = value.type();
  const std::string lanes = std::to_string(t.lanes);
  size_t hoisted_before = hoisted_.size();
  hoist_loads(value);
  std::string array = fresh("v");
  line((for_memory ? storage_type(t) : c_type(t.element_of())) + " " + array + "[" + lanes + "];");
  line(lane_code_size(value) * t.lanes <= kUnrolledLaneBudget ? "#pragma unroll" : "#pragma unroll 1");
  line(std::string("for (int ") + kLane + " = 0; " + kLane + " < " + lanes + "; ++" + kLane + ") {");
  ++indent_;
  lane_ = kLane;
  std::string v = expr(value);
  if (for_memory && t.is_bool()) v = "(unsigned char)(" + v + ")";
  line(array + "[" + kLane + "] = " + v + ";");
  lane_ = nullptr;
  --indent_;
  line("}");
  hoisted_.resize(hoisted_before);
  return array;
}

void CudaEmitter::vector_store(const ir::StoreNode* op) {
  const DataType t = op->value.type();
  ir::Expr index = flat_index(op->buffer, op->indices);
  if (index.type().lanes != t.lanes)
    throw ir::IRError("tessera CUDA codegen: store to " + op->buffer->name + " with " +
                      std::to_string(index.type().lanes) + " index lanes and " + std::to_string(t.lanes) +
                      " value lanes");
  ir::Expr base;
  int64_t stride = 0;
  // Local arrays are written lane by lane, at constant indices once unrolled, so that they
  // stay in registers (a vector access through their address would put them on the stack).
  if (op->buffer->scope != "local" && as_ramp(index, &base, &stride) && stride == 1 && lane_invariant(base)) {
    std::string array = vector_to_array(op->value, true);
    line("tessera_vstore<" + std::to_string(t.lanes) + ">(" + pointer(op->buffer) + " + (" + expr(base) + "), " +
         array + ");");
    return;
  }
  // A scatter: every lane's value first (a vector store reads before it writes, and the
  // loads of all lanes are then in flight together: without restrict, loads after a store
  // could not move above it), then the lanes store in lane order (lanes that hit one
  // address keep the last lane's value).
  std::string array = vector_to_array(op->value, true);
  const std::string lanes = std::to_string(t.lanes);
  line("#pragma unroll");
  line(std::string("for (int ") + kLane + " = 0; " + kLane + " < " + lanes + "; ++" + kLane + ") {");
  ++indent_;
  lane_ = kLane;
  line(pointer(op->buffer) + "[" + expr(index) + "] = " + array + "[" + kLane + "];");
  lane_ = nullptr;
  --indent_;
  line("}");
}

}  // namespace tessera::codegen::cuda_detail
