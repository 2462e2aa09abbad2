#include "sim/line_reader.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>

#include "sim/errors.hpp"

namespace npusim {
namespace {

// Bytes fetched per read; a line may be at most kMaxLine long, so a binary
// or newline-free file fails fast instead of growing the buffer unbounded.
constexpr std::size_t kChunk = 1 << 20;
constexpr std::size_t kMaxLine = 1 << 20;
constexpr std::size_t kMaxShown = 80;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

// Error messages end up in terminals and logs: keep them one printable line
// even when the input is binary garbage.
std::string printable(std::string_view s) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() < kMaxShown ? s.size() : kMaxShown + 3);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == kMaxShown) {
      out += "...";
      break;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

const char* syntax_noun(IntSyntax syntax) {
  switch (syntax) {
    case IntSyntax::Decimal: return "a decimal unsigned integer";
    case IntSyntax::Hex: return "a 0x-prefixed hexadecimal integer";
    case IntSyntax::DecimalOrHex: return "an unsigned integer";
    case IntSyntax::HexAnyPrefix: return "a hexadecimal integer";
  }
  return "an integer";
}

}  // namespace

std::string trace_error_message(std::string_view file, std::uint64_t line,
                                std::string_view what, std::string_view got,
                                std::string_view expected) {
  std::string msg;
  msg.reserve(file.size() + what.size() + got.size() + expected.size() + 40);
  msg.append(file).append(":").append(std::to_string(line)).append(": ");
  msg.append(what).append(" (got '").append(printable(got));
  msg.append("'); expected ").append(expected);
  return msg;
}

void throw_trace_error(std::string_view file, std::uint64_t line,
                       std::string_view what, std::string_view got,
                       std::string_view expected) {
  throw TraceError(trace_error_message(file, line, what, got, expected));
}

LineReader::LineReader(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) {
    throw TraceError(path + ": cannot open trace file: " +
                     std::strerror(errno));
  }
  buf_.resize(kChunk);
}

LineReader::~LineReader() {
  if (file_) std::fclose(file_);
}

bool LineReader::fill() {
  if (eof_) return false;
  // Keep the partial line, drop what was consumed.
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ >= kMaxLine) {
    throw_trace_error(path_, line_no_ + 1,
                      "line longer than " + std::to_string(kMaxLine) + " bytes",
                      std::string_view(buf_.data(), end_),
                      "a text file with one record per line");
  }
  if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
  std::size_t n = std::fread(buf_.data() + end_, 1, buf_.size() - end_, file_);
  if (n == 0) {
    if (std::ferror(file_)) {
      throw TraceError(path_ + ": cannot read trace file: " +
                       std::strerror(errno));
    }
    eof_ = true;
    return false;
  }
  end_ += n;
  return true;
}

bool LineReader::next() {
  tokens_.clear();
  text_ = {};
  for (;;) {
    // Find the next complete line, fetching more data as needed.
    std::size_t scan_from = begin_;
    const char* nl = nullptr;
    for (;;) {
      nl = static_cast<const char*>(
          std::memchr(buf_.data() + scan_from, '\n', end_ - scan_from));
      if (nl) break;
      std::size_t scanned = end_ - begin_;
      if (!fill()) break;
      scan_from = begin_ + scanned;  // fill() may have moved the data
    }
    if (!nl && begin_ == end_) return false;
    const char* line = buf_.data() + begin_;
    const char* line_end = nl ? nl : buf_.data() + end_;
    begin_ = nl ? static_cast<std::size_t>(nl - buf_.data()) + 1 : end_;
    ++line_no_;

    if (const void* hash = std::memchr(line, '#', line_end - line)) {
      line_end = static_cast<const char*>(hash);
    }
    const char* p = line;
    while (p < line_end) {
      while (p < line_end && is_space(*p)) ++p;
      const char* tok = p;
      while (p < line_end && !is_space(*p)) ++p;
      if (p > tok) tokens_.emplace_back(tok, static_cast<std::size_t>(p - tok));
    }
    if (!tokens_.empty()) {
      const char* first = tokens_.front().data();
      const char* last = tokens_.back().data() + tokens_.back().size();
      text_ = std::string_view(first, static_cast<std::size_t>(last - first));
      return true;
    }
  }
}

void LineReader::fail(std::string_view what, std::string_view got,
                      std::string_view expected) const {
  throw_trace_error(path_, line_no_, what, got, expected);
}

void LineReader::fail_at_end(std::string_view what,
                             std::string_view expected) const {
  throw_trace_error(path_, line_no_ > 0 ? line_no_ : 1, what, "end of file",
                    expected);
}

void LineReader::require_fields(std::size_t n,
                                std::string_view expected) const {
  if (tokens_.size() == n) return;
  fail("wrong number of fields: " + std::to_string(tokens_.size()) +
           " instead of " + std::to_string(n),
       text_, expected);
}

std::uint64_t LineReader::parse_uint(std::string_view token,
                                     std::string_view field,
                                     std::string_view expected,
                                     IntSyntax syntax,
                                     std::uint64_t max) const {
  bool has_prefix = token.size() >= 2 && token[0] == '0' &&
                    (token[1] == 'x' || token[1] == 'X');
  bool hex = syntax == IntSyntax::Hex || syntax == IntSyntax::HexAnyPrefix ||
             (syntax == IntSyntax::DecimalOrHex && has_prefix);
  std::string_view digits = token;
  if (has_prefix && hex) digits.remove_prefix(2);

  // from_chars alone would accept a partial parse or a sign; insist that the
  // token is a prefix (where allowed) followed by digits and nothing else.
  bool ok = !digits.empty() && (has_prefix || syntax != IntSyntax::Hex) &&
            (hex ? is_hex_digit(digits[0])
                 : (digits[0] >= '0' && digits[0] <= '9'));
  std::uint64_t value = 0;
  if (ok) {
    const char* end = digits.data() + digits.size();
    auto [ptr, ec] = std::from_chars(digits.data(), end, value, hex ? 16 : 10);
    if (ec == std::errc::result_out_of_range) {
      fail(std::string(field) + " does not fit in 64 bits", token, expected);
    }
    ok = ec == std::errc() && ptr == end;
  }
  if (!ok) {
    fail(std::string(field) + " is not " + syntax_noun(syntax), token,
         expected);
  }
  if (value > max) {
    fail(std::string(field) + " is too large (max " + std::to_string(max) + ")",
         token, expected);
  }
  return value;
}

}  // namespace npusim
