#include "domain/ascii_text.hpp"

#include <catch2/catch.hpp>

using namespace semiasync;

TEST_CASE("ASCII letters compare without case, nothing else does") {
  CHECK(equals_ignoring_ascii_case("Content-Type", "content-TYPE"));
  CHECK(equals_ignoring_ascii_case("", ""));
  CHECK_FALSE(equals_ignoring_ascii_case("wait", "waits"));
  CHECK_FALSE(equals_ignoring_ascii_case("wait", "wai "));
  // Bytes that are not ASCII letters match only themselves: '@' and '`'
  // sit next to 'A' and 'a', and UTF-8 sequences are not folded.
  CHECK_FALSE(equals_ignoring_ascii_case("@", "`"));
  CHECK_FALSE(equals_ignoring_ascii_case("\xc3\x84", "\xc3\xa4"));
  static_assert(equals_ignoring_ascii_case("Retry-After", "retry-after"));
}

TEST_CASE("lower-casing touches ASCII capitals only") {
  CHECK(ascii_lowercase("Application/JSON; Charset=UTF-8")
        == "application/json; charset=utf-8");
  CHECK(ascii_lowercase("\xc3\x84Z[") == "\xc3\x84z[");
  CHECK(ascii_lowercase("") == "");
}

TEST_CASE("trimming drops spaces and tabs at both ends only") {
  CHECK(trim_blanks(" \t a b\t ") == "a b");
  CHECK(trim_blanks(" \t ") == "");
  CHECK(trim_blanks("") == "");
  // A carriage return or a newline is not a blank.
  CHECK(trim_blanks("\r a \n") == "\r a \n");
  static_assert(trim_blanks("\twait ") == "wait");
}
