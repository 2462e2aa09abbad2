// npusim._core: the parameter schemas, presets and config resolution of the
// C++ side, for the Python package. Simulations never run in the importing
// process (SystemC elaborates once per process); run_job exists for child
// processes only and refuses a second call.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <sstream>
#include <systemc>

#include "memory/hbm_presets.hpp"
#include "memory/patterns.hpp"
#include "noc/collective_params.hpp"
#include "noc/link_model.hpp"
#include "noc/packet/packet_params.hpp"
#include "noc/tlm_fabric.hpp"
#include "noc/packet/synthetic_traffic.hpp"
#include "noc/supercluster.hpp"
#include "noc/system_params.hpp"
#include "npu/chip/chip_config.hpp"
#include "npu/chip/chip_presets.hpp"
#include "npu/core/core_config.hpp"
#include "sim/errors.hpp"
#include "memory/memory_spec.hpp"
#include "workload/job_table.hpp"
#include "workload/opgraph.hpp"

namespace py = pybind11;

void bind_numerics(pybind11::module_& m);  // numerics_bindings.cpp
using npusim::json;

// Debian's libsystemc.so references sc_main; this process never calls it.
extern "C" __attribute__((visibility("default"))) int sc_main(int, char*[]) { return 0; }

namespace {

template <class J>
py::object to_py(const J& j) {
  py::module_ pyjson = py::module_::import("json");
  return pyjson.attr("loads")(j.dump());
}

json from_py(const py::handle& o) {
  py::module_ pyjson = py::module_::import("json");
  return json::parse(py::cast<std::string>(pyjson.attr("dumps")(o)));
}

bool g_ran = false;

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "npusim C++ core: parameter schemas, presets, config validation";
  static py::exception<npusim::ConfigError> config_error(m, "ConfigError", PyExc_ValueError);
  static py::exception<npusim::TraceError> trace_error(m, "TraceError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const npusim::ConfigError& e) {
      config_error(e.what());
    } catch (const npusim::TraceError& e) {
      trace_error(e.what());
    }
  });
  m.attr("version") = NPUSIM_VERSION;
  bind_numerics(m);

  m.def("schema", [](const std::string& kind) {
    if (kind == "memory") return to_py(npusim::memory::MemoryConfig::schema().describe());
    if (kind == "pattern") return to_py(npusim::memory::PatternSpec::schema().describe());
    if (kind == "chip") return to_py(npusim::npu::ChipConfig::schema().describe());
    if (kind == "core") return to_py(npusim::npu::CoreConfig::schema().describe());
    if (kind == "packet_fabric") return to_py(npusim::noc::PacketParams::schema().describe());
    if (kind == "traffic") return to_py(npusim::noc::TrafficParams::schema().describe());
    if (kind == "tlm_fabric") return to_py(npusim::noc::TlmFabricParams::schema().describe());
    if (kind == "system") return to_py(npusim::noc::SystemParams::schema().describe());
    if (kind == "collective") return to_py(npusim::noc::CollectiveParams::schema().describe());
    if (kind == "scale_out") return to_py(npusim::noc::ScaleOutParams::schema().describe());
    if (kind.rfind("job.", 0) == 0) return to_py(npusim::job_kind(kind.substr(4), "schema").schema().describe());
    throw npusim::ConfigError("unknown schema kind '" + kind +
                              "'; expected 'memory', 'pattern', 'chip', 'core', 'packet_fabric', 'traffic', "
                              "'tlm_fabric', 'system', 'collective', 'scale_out' or 'job.<kind>'");
  }, py::arg("kind"), "Parameter declarations (type, unit, default, doc, range) of a config kind.");
  m.def("job_kinds", [] {
    std::vector<std::string> v;
    for (const auto& k : npusim::job_kinds()) v.push_back(k.name);
    return v;
  }, "Names of the job kinds (npusim params job.<kind> lists each one's keys).");
  m.def("link_media", [] { return to_py(npusim::noc::link_media_json()); },
        "Fabric link medium presets (noc/link_model.hpp): latency parts, propagation, reach, doc and source.");
  m.def("memory_presets", &npusim::memory::memory_preset_names, "Names of the bundled memory presets.");
  m.def("memory_preset", [](const std::string& n) { return to_py(npusim::memory::memory_preset(n)); },
        py::arg("name"), "A bundled memory preset as a full config dict.");
  m.def("resolve_memory", [](py::object cfg) {
    return to_py(npusim::to_json(npusim::memory::resolve_memory(from_py(cfg), "memory")));
  }, py::arg("config"), "Validates a memory config (dict or preset name) and fills defaults.");
  m.def("load_memory_config", [](const std::string& path) { return to_py(npusim::memory::load_memory_config_json(path)); },
        py::arg("path"), "Reads a memory config from a .json file or a DRAMSim3 .ini file.");
  m.def("peak_bandwidth_gbps", [](py::object cfg) {
    return npusim::memory::resolve_memory(from_py(cfg), "memory").peak_bandwidth_gbps();
  }, py::arg("config"));
  m.def("chip_presets", &npusim::npu::chip_preset_names, "Names of the bundled chip presets.");
  m.def("chip_preset", [](const std::string& n) { return to_py(npusim::npu::chip_preset(n)); }, py::arg("name"),
        "A bundled chip preset (compute side: cores, clock, core config, L2, links) as a full config dict.");
  m.def("chip_peak_tflops", [](py::object cfg, const std::string& dtype) {
    return npusim::npu::chip_config_from_json(from_py(cfg), "chip").peak_tflops(dtype);
  }, py::arg("config"), py::arg("dtype"), "Dense peak TFLOPS (TOPS for int8) of a chip config for a dtype.");
  m.def("system_presets", [] {
    std::vector<std::string> v;
    for (const auto& p : npusim::noc::supernode_presets()) v.push_back(p.name);
    return v;
  }, "Names of the bundled supernode presets whose parameters can be edited.");
  m.def("system_preset", [](const std::string& n) { return to_py(npusim::to_json(npusim::noc::system_params(n))); },
        py::arg("name"), "A bundled supernode preset (shape, UB bandwidths and latencies, source) as a full dict.");
  m.def("resolve_system", [](py::object spec) {
    const json j = from_py(spec);
    const auto p = npusim::noc::system_from_json(j, "system");
    return to_py(npusim::noc::system_to_json(p, j.is_string() ? j.get<std::string>() : j["preset"].get<std::string>()));
  }, py::arg("spec"), "Validates a system (preset name or {\"preset\", edits}) and returns every parameter.");
  m.def("system_shape", [](py::object spec) {
    const auto p = npusim::noc::system_from_json(from_py(spec), "system");
    const auto t = npusim::noc::build_system(p);
    const int switches = t.num_nodes() - static_cast<int>(t.endpoints().size());
    json out = {{"npus", t.endpoints().size()}, {"switches", switches}, {"links", t.num_links()},
                {"servers", p.is_clos() ? p.servers() : 1}, {"l2_switches", p.is_clos() ? p.l2_switches() : 0}};
    out["l1_switches"] = switches - out["l2_switches"].get<int>();
    return to_py(out);
  }, py::arg("spec"), "Switch and link counts of the topology a system builds.");
  m.def("patterns", [] {
    py::dict d;
    for (const auto& [n, doc] : npusim::memory::pattern_list()) d[py::str(n)] = doc;
    return d;
  }, "Built-in access patterns and what they do.");
  m.def("read_opgraph", [](const std::string& path) {
    const npusim::workload::OpGraph g = npusim::workload::read_opgraph(path);
    json by_type = json::object();
    for (const auto& n : g.nodes) {
      json& c = by_type[npusim::enum_name(n.type)];
      c = c.is_null() ? 1 : c.get<int>() + 1;
    }
    return to_py(json{{"version", g.version}, {"name", g.name}, {"ranks", g.ranks}, {"nodes", g.nodes.size()},
                      {"by_type", by_type}});
  }, py::arg("path"), "Reads an opgraph trace strictly (traces/opgraph.md): {version, name, ranks, nodes, by_type}.");
  m.def("opgraph_text", [](const std::string& path) {
    std::ostringstream out;
    npusim::workload::write_opgraph(npusim::workload::read_opgraph(path), out);
    return out.str();
  }, py::arg("path"), "An opgraph trace read strictly and written back in canonical form (traces/opgraph.md).");
  m.def("opgraph_format", [] { return to_py(npusim::workload::opgraph_format()); },
        "The opgraph format's tables: versions, node keys per type, collective algorithms per op.");
  m.def("run_job", [](py::object job, const std::string& out_dir) {
    if (g_ran) throw std::runtime_error("run_job: this process already ran a simulation (SystemC elaborates once)");
    g_ran = true;
    return to_py(npusim::run_job(from_py(job), npusim::RunFiles{out_dir}));
  }, py::arg("job"), py::arg("out_dir") = "",
     "Runs one simulation in THIS process. For child processes only: use npusim.run().");
}
