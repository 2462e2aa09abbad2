// Line-oriented reader shared by the text trace formats. It owns the strict
// part every format needs the same way: file:line positions, comment and
// whitespace handling, exact integer parsing, and one error message form:
//   <file>:<line>: <what was wrong> (got '<token>'); expected <expected form>
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace npusim {

// How an unsigned integer token may be written.
enum class IntSyntax {
  Decimal,       // 123
  Hex,           // 0x7b (prefix required)
  DecimalOrHex,  // 123 or 0x7b; the prefix selects hex
  HexAnyPrefix,  // 7b or 0x7b: always hex (DRAMSim3 addresses)
};

// Builds the standard message. `got` is quoted and made printable.
std::string trace_error_message(std::string_view file, std::uint64_t line,
                                std::string_view what, std::string_view got,
                                std::string_view expected);

[[noreturn]] void throw_trace_error(std::string_view file, std::uint64_t line,
                                    std::string_view what,
                                    std::string_view got,
                                    std::string_view expected);

// Reads a file line by line in large chunks; tokens are views into the
// reader's buffer and stay valid only until the next call to next().
class LineReader {
 public:
  // Throws TraceError naming the file if it cannot be opened.
  explicit LineReader(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Advances to the next line that has at least one token after removing
  // the comment ('#' to end of line); false at end of file.
  bool next();

  const std::string& path() const { return path_; }
  // 1-based number of the current line; at EOF, the number of the last
  // line read (0 for an empty file).
  std::uint64_t line_number() const { return line_no_; }
  std::size_t size() const { return tokens_.size(); }
  std::string_view operator[](std::size_t i) const { return tokens_[i]; }
  const std::vector<std::string_view>& tokens() const { return tokens_; }
  // The current line without its comment and outer whitespace.
  std::string_view text() const { return text_; }

  // Throws TraceError at the current line.
  [[noreturn]] void fail(std::string_view what, std::string_view got,
                         std::string_view expected) const;
  // Throws TraceError for something missing at end of file.
  [[noreturn]] void fail_at_end(std::string_view what,
                                std::string_view expected) const;

  // Requires exactly n tokens on the current line.
  void require_fields(std::size_t n, std::string_view expected) const;

  // Parses the whole token as an unsigned integer no larger than max.
  // `field` names the value in the message ("address", "size", ...).
  std::uint64_t parse_uint(std::string_view token, std::string_view field,
                           std::string_view expected, IntSyntax syntax,
                           std::uint64_t max = UINT64_MAX) const;

 private:
  bool fill();  // reads more bytes; false at EOF

  std::string path_;
  std::FILE* file_ = nullptr;
  std::vector<char> buf_;
  std::size_t begin_ = 0;  // start of unconsumed bytes in buf_
  std::size_t end_ = 0;    // end of valid bytes in buf_
  bool eof_ = false;
  std::uint64_t line_no_ = 0;
  std::string_view text_;
  std::vector<std::string_view> tokens_;
};

}  // namespace npusim
