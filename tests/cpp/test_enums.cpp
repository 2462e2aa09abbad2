// Named enums (sim/enums.hpp): the spellings declared with the enum are what
// the schema reads, writes, documents and exports as choices, what json and
// streams show, and what parse_enum accepts.
#include <catch2/catch.hpp>

#include <sstream>

#include "sim/params.hpp"

namespace npusim::test_enums {

NPUSIM_ENUM(Colour, (Red, "red"), (DarkGreen, "dark_green"), (Auto, "auto"));

struct Paint {
  Colour colour;
  int coats;
  static const Schema& schema() {
    static const Schema s = [] {
      Schema s("paint", "A test config");
      SchemaBuilder<Paint>(s)
          .choice(&Paint::colour, "colour", Colour::DarkGreen, "Which colour")
          .param(&Paint::coats, "coats", "", 2, "Layers", {1, 9});
      return s;
    }();
    return s;
  }
};

}  // namespace npusim::test_enums

using namespace npusim;
using namespace npusim::test_enums;
using Catch::Matchers::Contains;

TEST_CASE("a named enum's spellings, values and conversions come from its one declaration", "[params][enum]") {
  STATIC_REQUIRE(enum_count<Colour>() == 3);
  STATIC_REQUIRE(is_named_enum_v<Colour>);
  STATIC_REQUIRE(!is_named_enum_v<ParamType>);
  CHECK(std::string(to_string(Colour::DarkGreen)) == "dark_green");
  CHECK(enum_choices<Colour>() == std::vector<std::string>{"red", "dark_green", "auto"});
  Colour c = Colour::Red;
  CHECK(enum_from_string("auto", &c));
  CHECK(c == Colour::Auto);
  CHECK_FALSE(enum_from_string("Auto", &c));  // spellings are exact
  CHECK(c == Colour::Auto);
  CHECK(parse_enum<Colour>("red", "paint.colour") == Colour::Red);
  CHECK_THROWS_WITH(parse_enum<Colour>("blue", "paint.colour"),
                    "paint.colour: expected one of 'red', 'dark_green', 'auto', got \"blue\"");
  std::ostringstream os;
  os << Colour::Auto;
  CHECK(os.str() == "auto");
  // A json built from a value holds its name, not its number.
  CHECK(json(Colour::DarkGreen) == "dark_green");
  CHECK(json{{"c", Colour::Red}}.dump() == "{\"c\":\"red\"}");
}

TEST_CASE("a choice parameter stores the enum and reads, writes and describes its names", "[params][enum]") {
  Paint p = defaults_of<Paint>();
  CHECK(p.colour == Colour::DarkGreen);
  p = from_json<Paint>(json{{"colour", "auto"}}, "paint");
  CHECK(p.colour == Colour::Auto);
  CHECK(to_json(p) == json{{"colour", "auto"}, {"coats", 2}});
  CHECK_THROWS_WITH(from_json<Paint>(json{{"colour", "blue"}}, "job.paint"),
                    "job.paint.colour: expected one of 'red', 'dark_green', 'auto', got \"blue\"");
  CHECK_THROWS_WITH(from_json<Paint>(json{{"colour", 1}}, "job.paint"), Contains("job.paint.colour: expected one of"));
  const auto d = Paint::schema().describe();
  CHECK(d["colour"]["type"] == "enum");
  CHECK(d["colour"]["default"] == "dark_green");
  CHECK(d["colour"]["choices"] == nlohmann::ordered_json{"red", "dark_green", "auto"});
  CHECK(d["colour"]["expected"] == "one of 'red', 'dark_green', 'auto'");
}
