#pragma once

// A Kafka record from a fuzz input: the first line is the key, the header
// lines are the record's headers (binary values except "\n"), the body is
// the value. See text_input.hpp.

#include "kafka/wire_message.hpp"

#include "fuzz/text_input.hpp"

namespace semiasync::fuzz {

inline wire_message wire_message_from(const uint8_t* data, size_t size) {
  auto text = split_text_input(data, size);
  wire_message msg;
  msg.key = std::string{text.first_line};
  for (const auto& [name, value] : text.headers)
    msg.headers.push_back({std::string{name}, std::string{value}});
  msg.value = std::string{text.body};
  return msg;
}

} // namespace semiasync::fuzz
