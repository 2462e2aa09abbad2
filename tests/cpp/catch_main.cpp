// Catch2 runner. libsystemc owns main(), so the runner enters through
// sc_main. Kept in its own never-edited file: it is the slowest file to build.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <systemc>  // gives sc_main the linkage libsystemc expects

int sc_main(int argc, char* argv[]) { return Catch::Session().run(argc, argv); }
