#include "domain/user_name_rules.hpp"

#include <catch2/catch.hpp>

#include "tests/support/text.hpp"

using semiasync::testing::repeat;

#include <string>

using semiasync::is_valid_utf8;
using semiasync::max_user_name_chars;
using semiasync::user_name_problem;

TEST_CASE("user names: valid ones have no problem", "[user_name_rules]") {
  auto name
    = GENERATE(as<std::string>{}, "alice", "Alice Smith", "a", "O'Brien-2",
               "Zo\xC3\xAB",                                   // Zoë
               "\xE6\x97\xA5\xE6\x9C\xAC",                     // 日本
               "\xD0\x9F\xD1\x91\xD1\x82\xD1\x80",             // Пётр
               "\xF0\x9F\x98\x80",                             // 😀
               "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB", // 👩‍💻
               " padded ",
               "a\xC2\xA0"
               "b");
  CAPTURE(name);
  CHECK(user_name_problem(name) == std::nullopt);
  CHECK(is_valid_utf8(name));
}

TEST_CASE("user names: invalid UTF-8 is rejected", "[user_name_rules]") {
  auto bytes = GENERATE(as<std::string>{},
                        "\x80", // lone continuation byte
                        "a\xBF"
                        "b",                // continuation byte mid-text
                        "\xC0\xAF",         // overlong '/'
                        "\xE0\x80\xAF",     // overlong '/' in three bytes
                        "\xF0\x80\x80\xAF", // overlong '/' in four bytes
                        "\xED\xA0\x80",     // high surrogate U+D800
                        "\xED\xBF\xBF",     // low surrogate U+DFFF
                        "\xF4\x90\x80\x80", // past U+10FFFF
                        "\xE2\x82",         // truncated three-byte sequence
                        "ab\xF0\x9F\x98",   // truncated emoji at the end
                        "\xC3"
                        "a",    // lead byte without continuation
                        "\xFF", // never valid
                        "\xF8\x88\x80\x80\x80"); // five-byte form
  CAPTURE(bytes);
  CHECK_FALSE(is_valid_utf8(bytes));
  CHECK(user_name_problem(bytes) == std::string{"name is not valid UTF-8"});
}

TEST_CASE("user names: boundaries of valid UTF-8", "[user_name_rules]") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("\x7F"));                 // U+007F, last one-byte
  CHECK(is_valid_utf8("\xC2\x80"));             // U+0080, first two-byte
  CHECK(is_valid_utf8("\xED\x9F\xBF"));         // U+D7FF, before surrogates
  CHECK(is_valid_utf8("\xEE\x80\x80"));         // U+E000, after surrogates
  CHECK(is_valid_utf8("\xF4\x8F\xBF\xBF"));     // U+10FFFF, the last one
  CHECK(is_valid_utf8(std::string{"a\0b", 3})); // NUL is valid UTF-8
}

TEST_CASE("user names: control characters are rejected", "[user_name_rules]") {
  auto name = GENERATE(as<std::string>{}, "a\nb", "tab\there", "a\rb",
                       "del\x7F", std::string{"nul\0x", 5},
                       "c1\xC2\x85", // U+0085 NEXT LINE, a C1 control
                       "\x1B[31mred");
  CAPTURE(name);
  CHECK(user_name_problem(name)
        == std::string{"name must not contain control characters"});
}

TEST_CASE("user names: empty and blank are rejected", "[user_name_rules]") {
  CHECK(user_name_problem("") == std::string{"name must not be empty"});
  auto blank = GENERATE(as<std::string>{}, " ", "   ",
                        "\xC2\xA0\xC2\xA0", // non-breaking spaces
                        " \xC2\xA0 ",
                        "\xE2\x80\x83",  // em space
                        "\xE3\x80\x80",  // ideographic space
                        "\xE2\x80\x8B"); // zero-width space
  CAPTURE(blank);
  CHECK(user_name_problem(blank) == std::string{"name must not be blank"});
}

TEST_CASE("user names: at most 255 characters, counted as characters",
          "[user_name_rules]") {
  REQUIRE(max_user_name_chars == 255);
  SECTION("ASCII") {
    CHECK(user_name_problem(std::string(255, 'a')) == std::nullopt);
    CHECK(user_name_problem(std::string(256, 'a'))
          == std::string{"name is longer than 255 characters"});
  }
  SECTION("two-byte characters: 510 bytes are still 255 characters") {
    CHECK(user_name_problem(repeat("\xC3\xA9", 255)) == std::nullopt);
    CHECK(user_name_problem(repeat("\xC3\xA9", 256))
          == std::string{"name is longer than 255 characters"});
  }
  SECTION("four-byte characters") {
    CHECK(user_name_problem(repeat("\xF0\x9F\x98\x80", 255)) == std::nullopt);
    CHECK(user_name_problem(repeat("\xF0\x9F\x98\x80", 256))
          == std::string{"name is longer than 255 characters"});
  }
}
