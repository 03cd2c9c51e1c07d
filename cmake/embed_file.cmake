# Writes OUTPUT, a C++ source defining `std::string_view NAMESPACE::FUNCTION()`
# that returns the bytes of INPUT. Run at build time (cmake -P), so the binary
# follows every edit of INPUT. The bytes go out as a brace-initialised char
# array, not a string literal: no compiler limit on literal length applies.
#
#   cmake -DINPUT=<file> -DOUTPUT=<file.cpp> -DHEADER=<include> \
#         -DNAMESPACE=<ns> -DFUNCTION=<name> -P embed_file.cmake
foreach(var INPUT OUTPUT HEADER NAMESPACE FUNCTION)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed_file.cmake: ${var} is not set")
  endif()
endforeach()

file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
# Sixteen bytes a line keep the generated file readable. CMake's regular
# expressions have no {n}: the 32 hex digits of a line are spelt out.
string(REPEAT "[0-9a-f]" 32 line_pattern)
string(REGEX REPLACE "(${line_pattern})" "\\1\n" hex "${hex}")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REPLACE "\n" "\n  " bytes "${bytes}")

set(content "// Generated from ${INPUT} by cmake/embed_file.cmake: do not edit.
#include \"${HEADER}\"

namespace ${NAMESPACE} {

namespace {

// One more byte than the file, so an empty file still makes an array.
const char embedded_bytes[${size} + 1] = {
  ${bytes}'\\0'};

} // namespace

std::string_view ${FUNCTION}() {
  return std::string_view{embedded_bytes, ${size}};
}

} // namespace ${NAMESPACE}
")

file(WRITE "${OUTPUT}" "${content}")
