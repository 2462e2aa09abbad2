#include "npu/core/core_trace.hpp"

#include <algorithm>
#include <string_view>

#include "sim/line_reader.hpp"

namespace npusim::npu {

const char* to_string(Pipe p) {
  switch (p) {
    case Pipe::S: return "S";
    case Pipe::MTE1: return "MTE1";
    case Pipe::MTE2: return "MTE2";
    case Pipe::MTE3: return "MTE3";
    case Pipe::M: return "M";
    case Pipe::V: return "V";
    case Pipe::FIX: return "FIX";
  }
  return "?";
}

const char* to_string(Op op) {
  switch (op) {
    case Op::CopyGmToL1: return "copy_gm_to_l1";
    case Op::CopyGmToUb: return "copy_gm_to_ub";
    case Op::CopyL1ToL0A: return "copy_l1_to_l0a";
    case Op::CopyL1ToL0B: return "copy_l1_to_l0b";
    case Op::Mmad: return "mmad";
    case Op::Vadd: return "vadd";
    case Op::Vmul: return "vmul";
    case Op::Vsub: return "vsub";
    case Op::Vmax: return "vmax";
    case Op::Vexp: return "vexp";
    case Op::Vcast: return "vcast";
    case Op::Vreduce: return "vreduce";
    case Op::FixpipeL0cToGm: return "fixpipe_l0c_to_gm";
    case Op::CopyUbToGm: return "copy_ub_to_gm";
    case Op::SetFlag: return "set_flag";
    case Op::WaitFlag: return "wait_flag";
    case Op::PipeBarrier: return "pipe_barrier";
    case Op::Scalar: return "scalar";
    case Op::CrossSetFlag: return "cross_set_flag";
    case Op::CrossWaitFlag: return "cross_wait_flag";
  }
  return "?";
}

const char* to_string(Buffer b) {
  switch (b) {
    case Buffer::None: return "none";
    case Buffer::GM: return "GM";
    case Buffer::L1: return "L1";
    case Buffer::L0A: return "L0A";
    case Buffer::L0B: return "L0B";
    case Buffer::L0C: return "L0C";
    case Buffer::UB: return "UB";
  }
  return "?";
}

const char* to_string(DType d) {
  switch (d) {
    case DType::fp16: return "fp16";
    case DType::bf16: return "bf16";
    case DType::fp8: return "fp8";
    case DType::hif8: return "hif8";
    case DType::mxfp4: return "mxfp4";
    case DType::int8: return "int8";
    case DType::mxfp8: return "mxfp8";
  }
  return "?";
}

namespace {

uint64_t bits_of(DType d) {
  switch (d) {
    case DType::fp16:
    case DType::bf16: return 16;
    case DType::mxfp4: return 4;
    default: return 8;
  }
}

// Operand kinds; each op lists its operands in the order of its form.
enum class Kind {
  Bytes, OutBytes, GmAddr, SrcOff, Src1Off, DstOff, M, K, N, DTypeK, A, B, C, FlagSrc, FlagDst, Id, BarrierPipe, Cycles,
  ExecPipe, Target, CrossId
};

struct OperandSpec {
  const char* key;
  Kind kind;
};

struct OpSpec {
  const char* name;
  Op op;
  Pipe pipe;  // ignored for set/wait_flag (taken from the flag)
  Buffer src, dst;
  std::vector<OperandSpec> operands;
  const char* form;
};

const std::vector<OpSpec>& op_specs() {
  static const std::vector<OpSpec> specs = {
      {"copy_gm_to_l1", Op::CopyGmToL1, Pipe::MTE2, Buffer::GM, Buffer::L1,
       {{"gm", Kind::GmAddr}, {"dst", Kind::DstOff}, {"bytes", Kind::Bytes}},
       "copy_gm_to_l1 gm=<address> dst=<L1 offset> bytes=<n>"},
      {"copy_gm_to_ub", Op::CopyGmToUb, Pipe::MTE2, Buffer::GM, Buffer::UB,
       {{"gm", Kind::GmAddr}, {"dst", Kind::DstOff}, {"bytes", Kind::Bytes}},
       "copy_gm_to_ub gm=<address> dst=<UB offset> bytes=<n>"},
      {"copy_l1_to_l0a", Op::CopyL1ToL0A, Pipe::MTE1, Buffer::L1, Buffer::L0A,
       {{"src", Kind::SrcOff}, {"dst", Kind::DstOff}, {"bytes", Kind::Bytes}},
       "copy_l1_to_l0a src=<L1 offset> dst=<L0A offset> bytes=<n>"},
      {"copy_l1_to_l0b", Op::CopyL1ToL0B, Pipe::MTE1, Buffer::L1, Buffer::L0B,
       {{"src", Kind::SrcOff}, {"dst", Kind::DstOff}, {"bytes", Kind::Bytes}},
       "copy_l1_to_l0b src=<L1 offset> dst=<L0B offset> bytes=<n>"},
      {"mmad", Op::Mmad, Pipe::M, Buffer::None, Buffer::None,
       {{"m", Kind::M}, {"k", Kind::K}, {"n", Kind::N}, {"dtype", Kind::DTypeK},
        {"a", Kind::A}, {"b", Kind::B}, {"c", Kind::C}},
       "mmad m=<n> k=<n> n=<n> dtype=<fp16|bf16|fp8|hif8|mxfp8|mxfp4|int8> a=<L0A offset> "
       "b=<L0B offset> c=<L0C offset>"},
      {"vadd", Op::Vadd, Pipe::V, Buffer::UB, Buffer::UB,
       {{"dst", Kind::DstOff}, {"src0", Kind::SrcOff}, {"src1", Kind::Src1Off}, {"bytes", Kind::Bytes}},
       "vadd dst=<UB offset> src0=<UB offset> src1=<UB offset> bytes=<n>"},
      {"vmul", Op::Vmul, Pipe::V, Buffer::UB, Buffer::UB,
       {{"dst", Kind::DstOff}, {"src0", Kind::SrcOff}, {"src1", Kind::Src1Off}, {"bytes", Kind::Bytes}},
       "vmul dst=<UB offset> src0=<UB offset> src1=<UB offset> bytes=<n>"},
      {"vsub", Op::Vsub, Pipe::V, Buffer::UB, Buffer::UB,
       {{"dst", Kind::DstOff}, {"src0", Kind::SrcOff}, {"src1", Kind::Src1Off}, {"bytes", Kind::Bytes}},
       "vsub dst=<UB offset> src0=<UB offset> src1=<UB offset> bytes=<n>"},
      {"vmax", Op::Vmax, Pipe::V, Buffer::UB, Buffer::UB,
       {{"dst", Kind::DstOff}, {"src0", Kind::SrcOff}, {"src1", Kind::Src1Off}, {"bytes", Kind::Bytes}},
       "vmax dst=<UB offset> src0=<UB offset> src1=<UB offset> bytes=<n>"},
      {"vexp", Op::Vexp, Pipe::V, Buffer::UB, Buffer::UB,
       {{"dst", Kind::DstOff}, {"src", Kind::SrcOff}, {"bytes", Kind::Bytes}},
       "vexp dst=<UB offset> src=<UB offset> bytes=<n>"},
      {"vcast", Op::Vcast, Pipe::V, Buffer::UB, Buffer::UB,
       {{"dst", Kind::DstOff}, {"src", Kind::SrcOff}, {"bytes", Kind::Bytes}, {"out", Kind::OutBytes}},
       "vcast dst=<UB offset> src=<UB offset> bytes=<n> out=<n>"},
      {"vreduce", Op::Vreduce, Pipe::V, Buffer::UB, Buffer::UB,
       {{"dst", Kind::DstOff}, {"src", Kind::SrcOff}, {"bytes", Kind::Bytes}, {"out", Kind::OutBytes}},
       "vreduce dst=<UB offset> src=<UB offset> bytes=<n> out=<n>"},
      {"fixpipe_l0c_to_gm", Op::FixpipeL0cToGm, Pipe::FIX, Buffer::L0C, Buffer::GM,
       {{"src", Kind::SrcOff}, {"gm", Kind::GmAddr}, {"bytes", Kind::Bytes}},
       "fixpipe_l0c_to_gm src=<L0C offset> gm=<address> bytes=<n>"},
      {"copy_ub_to_gm", Op::CopyUbToGm, Pipe::MTE3, Buffer::UB, Buffer::GM,
       {{"src", Kind::SrcOff}, {"gm", Kind::GmAddr}, {"bytes", Kind::Bytes}},
       "copy_ub_to_gm src=<UB offset> gm=<address> bytes=<n>"},
      {"set_flag", Op::SetFlag, Pipe::S, Buffer::None, Buffer::None,
       {{"src", Kind::FlagSrc}, {"dst", Kind::FlagDst}, {"id", Kind::Id}},
       "set_flag src=<pipe> dst=<pipe> id=<n> (pipes: S MTE1 MTE2 MTE3 M V FIX; src != dst)"},
      {"wait_flag", Op::WaitFlag, Pipe::S, Buffer::None, Buffer::None,
       {{"src", Kind::FlagSrc}, {"dst", Kind::FlagDst}, {"id", Kind::Id}},
       "wait_flag src=<pipe> dst=<pipe> id=<n> (pipes: S MTE1 MTE2 MTE3 M V FIX; src != dst)"},
      {"cross_set_flag", Op::CrossSetFlag, Pipe::S, Buffer::None, Buffer::None,
       {{"pipe", Kind::ExecPipe}, {"to", Kind::Target}, {"id", Kind::CrossId}},
       "cross_set_flag pipe=<MTE1|MTE2|MTE3|M|V|FIX> to=<aic<n>|aiv<n>> id=<n below 16>"},
      {"cross_wait_flag", Op::CrossWaitFlag, Pipe::S, Buffer::None, Buffer::None,
       {{"pipe", Kind::ExecPipe}, {"id", Kind::CrossId}},
       "cross_wait_flag pipe=<MTE1|MTE2|MTE3|M|V|FIX> id=<n below 16>"},
      {"pipe_barrier", Op::PipeBarrier, Pipe::S, Buffer::None, Buffer::None,
       {{"pipe", Kind::BarrierPipe}},
       "pipe_barrier pipe=<MTE1|MTE2|MTE3|M|V|FIX|all>"},
      {"scalar", Op::Scalar, Pipe::S, Buffer::None, Buffer::None,
       {{"cycles", Kind::Cycles}}, "scalar cycles=<n>"},
  };
  return specs;
}

std::string known_ops() {
  std::string s;
  for (const auto& o : op_specs()) {
    if (!s.empty()) s += ", ";
    s += o.name;
  }
  return "one of " + s;
}

bool parse_pipe(std::string_view v, Pipe& out) {
  for (int i = 0; i < kNumPipes; ++i) {
    if (v == to_string(Pipe(i))) {
      out = Pipe(i);
      return true;
    }
  }
  return false;
}

bool parse_dtype(std::string_view v, DType& out) {
  for (int i = 0; i < kNumDTypes; ++i) {
    if (v == to_string(DType(i))) {
      out = DType(i);
      return true;
    }
  }
  return false;
}

void check_range(const LineReader& r, const CoreConfig& cfg, Buffer b, uint64_t off, uint64_t size,
                 std::string_view token) {
  const uint64_t cap = cfg.capacity_bytes(b);
  if (off >= cap || size > cap - off) {
    const std::string buf = to_string(b);
    r.fail(buf + " overflow: offset " + std::to_string(off) + " + size " + std::to_string(size) +
               " exceeds " + buf + " capacity " + std::to_string(cap) + " bytes",
           token, "offset + size <= " + std::to_string(cap) + " (" + buf + " capacity)");
  }
}

}  // namespace

uint64_t mmad_a_bytes(const Instruction& in) { return (uint64_t(in.m) * in.k * bits_of(in.dtype) + 7) / 8; }
uint64_t mmad_b_bytes(const Instruction& in) { return (uint64_t(in.k) * in.n * bits_of(in.dtype) + 7) / 8; }
// fp32 (or int32 for int8) accumulators.
uint64_t mmad_c_bytes(const Instruction& in) { return uint64_t(in.m) * in.n * 4; }

namespace {

// One line's key=value operands in the op's operand order (each key once,
// each key known, none missing), and the token each came from.
struct Operands {
  std::vector<std::string_view> values, tokens;
};

const OpSpec& find_op(const LineReader& r) {
  const OpSpec* spec = nullptr;
  for (const auto& o : op_specs()) {
    if (r[0] == o.name) spec = &o;
  }
  if (!spec) r.fail("unknown op", r[0], known_ops());
  return *spec;
}

Operands split_operands(const LineReader& r, const OpSpec& spec) {
  const std::string form = spec.form;
  Operands ops;
  ops.values.resize(spec.operands.size());
  ops.tokens.resize(spec.operands.size());
  std::vector<bool> seen(spec.operands.size(), false);
  for (size_t t = 1; t < r.size(); ++t) {
    std::string_view tok = r[t];
    size_t eq = tok.find('=');
    if (eq == std::string_view::npos || eq == 0) r.fail("operand is not key=value", tok, form);
    std::string_view key = tok.substr(0, eq);
    size_t idx = spec.operands.size();
    for (size_t i = 0; i < spec.operands.size(); ++i) {
      if (key == spec.operands[i].key) idx = i;
    }
    if (idx == spec.operands.size()) {
      r.fail("unknown operand '" + std::string(key) + "' for " + spec.name, tok, form);
    }
    if (seen[idx]) r.fail("duplicate operand '" + std::string(key) + "'", tok, form);
    seen[idx] = true;
    ops.values[idx] = tok.substr(eq + 1);
    ops.tokens[idx] = tok;
  }
  for (size_t i = 0; i < spec.operands.size(); ++i) {
    if (!seen[i]) {
      r.fail(std::string("missing operand '") + spec.operands[i].key + "' for " + spec.name, r.text(), form);
    }
  }
  return ops;
}

// Operand i of the line into its instruction field.
void set_operand(const LineReader& r, const CoreConfig& cfg, const OpSpec& spec, const Operands& ops, size_t i,
                 Instruction& in) {
  const std::string form = spec.form;
  const std::vector<std::string_view>& values = ops.values;
  const std::vector<std::string_view>& tokens = ops.tokens;
  auto uint_of = [&](size_t i, const char* what, uint64_t max = UINT64_MAX) {
    return r.parse_uint(values[i], what, form, IntSyntax::DecimalOrHex, max);
  };
  auto positive = [&](size_t i, const char* what, uint64_t max = UINT64_MAX) {
    uint64_t v = uint_of(i, what, max);
    if (v == 0) r.fail(std::string(what) + " must be positive", tokens[i], form);
    return v;
  };
  switch (spec.operands[i].kind) {
    case Kind::Bytes: in.bytes = positive(i, "size"); break;
    case Kind::OutBytes: in.out_bytes = positive(i, "size"); break;
    case Kind::GmAddr: in.gm_addr = uint_of(i, "address"); break;
    case Kind::SrcOff: in.src_off = uint_of(i, "offset"); break;
    case Kind::Src1Off: in.src1_off = uint_of(i, "offset"); break;
    case Kind::DstOff: in.dst_off = uint_of(i, "offset"); break;
    case Kind::M: in.m = uint32_t(positive(i, "m", 1u << 20)); break;
    case Kind::K: in.k = uint32_t(positive(i, "k", 1u << 20)); break;
    case Kind::N: in.n = uint32_t(positive(i, "n", 1u << 20)); break;
    case Kind::DTypeK:
      if (!parse_dtype(values[i], in.dtype)) r.fail("unknown dtype", tokens[i], form);
      break;
    case Kind::A: in.src_off = uint_of(i, "offset"); break;
    case Kind::B: in.src1_off = uint_of(i, "offset"); break;
    case Kind::C: in.dst_off = uint_of(i, "offset"); break;
    case Kind::FlagSrc:
      if (!parse_pipe(values[i], in.flag_src)) r.fail("unknown pipe", tokens[i], form);
      break;
    case Kind::FlagDst:
      if (!parse_pipe(values[i], in.flag_dst)) r.fail("unknown pipe", tokens[i], form);
      break;
    case Kind::Id: in.flag_id = uint32_t(uint_of(i, "flag id", cfg.flag_ids - 1)); break;
    case Kind::BarrierPipe: {
      Pipe p;
      if (values[i] == "all") {
        in.barrier = kAllPipes;
      } else if (parse_pipe(values[i], p) && p != Pipe::S) {
        in.barrier = uint8_t(p);
      } else {
        r.fail("unknown barrier pipe", tokens[i], form);
      }
      break;
    }
    case Kind::Cycles: in.cycles = positive(i, "cycles"); break;
    case Kind::ExecPipe:
      if (!parse_pipe(values[i], in.pipe) || in.pipe == Pipe::S) r.fail("unknown pipe", tokens[i], form);
      break;
    case Kind::Target: {
      const std::string_view v = values[i];
      if (v.size() < 4 || (v.substr(0, 3) != "aic" && v.substr(0, 3) != "aiv")) r.fail("unknown core", tokens[i], form);
      in.cross_vector = v.substr(0, 3) == "aiv";
      in.cross_core = uint32_t(r.parse_uint(v.substr(3), "core index", form, IntSyntax::DecimalOrHex, 1u << 20));
      break;
    }
    case Kind::CrossId: in.flag_id = uint32_t(uint_of(i, "cross-core flag id", kCrossFlagIds - 1)); break;
  }
}

// Op-specific checks: flags, buffer ranges.
void check_instruction(const LineReader& r, const CoreConfig& cfg, const OpSpec& spec, const Operands& ops,
                       Instruction& in) {
  const std::string form = spec.form;
  auto token_of = [&](Kind k) {
    for (size_t i = 0; i < spec.operands.size(); ++i) {
      if (spec.operands[i].kind == k) return ops.tokens[i];
    }
    return r.text();
  };
  if (in.op == Op::SetFlag || in.op == Op::WaitFlag) {
    if (in.flag_src == in.flag_dst) r.fail("flag src and dst pipe are the same", r.text(), form);
    in.pipe = in.op == Op::SetFlag ? in.flag_src : in.flag_dst;
  } else if (in.op == Op::Mmad) {
    check_range(r, cfg, Buffer::L0A, in.src_off, mmad_a_bytes(in), token_of(Kind::A));
    check_range(r, cfg, Buffer::L0B, in.src1_off, mmad_b_bytes(in), token_of(Kind::B));
    check_range(r, cfg, Buffer::L0C, in.dst_off, mmad_c_bytes(in), token_of(Kind::C));
  } else if (in.op != Op::PipeBarrier && in.op != Op::Scalar && in.op != Op::CrossSetFlag &&
             in.op != Op::CrossWaitFlag) {
    if (in.src_buf == Buffer::GM || in.dst_buf == Buffer::GM) {
      if (in.bytes > UINT64_MAX - in.gm_addr) {
        r.fail("GM range runs past 2^64", token_of(Kind::GmAddr), "address + size <= 2^64");
      }
    }
    if (in.src_buf != Buffer::GM) check_range(r, cfg, in.src_buf, in.src_off, in.bytes, token_of(Kind::SrcOff));
    if (in.op == Op::Vadd || in.op == Op::Vmul || in.op == Op::Vsub || in.op == Op::Vmax) {
      check_range(r, cfg, in.src_buf, in.src1_off, in.bytes, token_of(Kind::Src1Off));
    }
    const uint64_t dst_bytes = in.op == Op::Vreduce || in.op == Op::Vcast ? in.out_bytes : in.bytes;
    if (in.dst_buf != Buffer::GM) check_range(r, cfg, in.dst_buf, in.dst_off, dst_bytes, token_of(Kind::DstOff));
  }
}

}  // namespace

std::vector<Instruction> read_core_trace(const std::string& path, const CoreConfig& cfg) {
  static const char* kHeader = "npusim-coretrace v1";
  LineReader r(path);
  if (!r.next()) r.fail_at_end("missing header", kHeader);
  if (r.size() != 2 || r[0] != "npusim-coretrace" || r[1] != "v1") {
    r.fail("bad header", r.text(), kHeader);
  }
  std::vector<Instruction> prog;
  while (r.next()) {
    const OpSpec& spec = find_op(r);
    const Operands ops = split_operands(r, spec);
    Instruction in;
    in.op = spec.op;
    in.pipe = spec.pipe;
    in.line = r.line_number();
    in.src_buf = spec.src;
    in.dst_buf = spec.dst;
    for (size_t i = 0; i < spec.operands.size(); ++i) set_operand(r, cfg, spec, ops, i, in);
    check_instruction(r, cfg, spec, ops, in);
    prog.push_back(in);
  }
  if (prog.empty()) r.fail_at_end("trace has no instructions", "at least one instruction after the header");
  return prog;
}

void write_core_trace(std::ostream& out, const std::vector<Instruction>& prog) {
  out << "npusim-coretrace v1\n";
  for (const Instruction& in : prog) {
    const char* name = to_string(in.op);
    switch (in.op) {
      case Op::CopyGmToL1:
      case Op::CopyGmToUb: out << name << " gm=" << in.gm_addr << " dst=" << in.dst_off << " bytes=" << in.bytes; break;
      case Op::CopyL1ToL0A:
      case Op::CopyL1ToL0B: out << name << " src=" << in.src_off << " dst=" << in.dst_off << " bytes=" << in.bytes; break;
      case Op::Mmad:
        out << name << " m=" << in.m << " k=" << in.k << " n=" << in.n << " dtype=" << to_string(in.dtype)
            << " a=" << in.src_off << " b=" << in.src1_off << " c=" << in.dst_off;
        break;
      case Op::Vadd:
      case Op::Vmul:
      case Op::Vsub:
      case Op::Vmax:
        out << name << " dst=" << in.dst_off << " src0=" << in.src_off << " src1=" << in.src1_off
            << " bytes=" << in.bytes;
        break;
      case Op::Vexp: out << name << " dst=" << in.dst_off << " src=" << in.src_off << " bytes=" << in.bytes; break;
      case Op::Vcast:
      case Op::Vreduce:
        out << name << " dst=" << in.dst_off << " src=" << in.src_off << " bytes=" << in.bytes
            << " out=" << in.out_bytes;
        break;
      case Op::FixpipeL0cToGm:
      case Op::CopyUbToGm: out << name << " src=" << in.src_off << " gm=" << in.gm_addr << " bytes=" << in.bytes; break;
      case Op::SetFlag:
      case Op::WaitFlag:
        out << name << " src=" << to_string(in.flag_src) << " dst=" << to_string(in.flag_dst) << " id=" << in.flag_id;
        break;
      case Op::PipeBarrier:
        out << name << " pipe=" << (in.barrier == kAllPipes ? "all" : to_string(Pipe(in.barrier)));
        break;
      case Op::Scalar: out << name << " cycles=" << in.cycles; break;
      case Op::CrossSetFlag:
        out << name << " pipe=" << to_string(in.pipe) << " to=" << (in.cross_vector ? "aiv" : "aic") << in.cross_core
            << " id=" << in.flag_id;
        break;
      case Op::CrossWaitFlag: out << name << " pipe=" << to_string(in.pipe) << " id=" << in.flag_id; break;
    }
    out << '\n';
  }
}

}  // namespace npusim::npu
