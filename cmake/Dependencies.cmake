# Finds every third-party library the way Debian 12 ships it (see shared toolchain notes)
# and exposes each as one imported target, so folder targets only name what they use.

find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

# RESTinio's config needs fmt found first.
find_package(fmt CONFIG REQUIRED)
find_package(restinio CONFIG REQUIRED)

find_package(nlohmann_json 3 CONFIG REQUIRED)
find_package(yaml-cpp CONFIG REQUIRED)
# HMAC-SHA-256 of Idempotency-Keys (libcrypto only).
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)

pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
pkg_check_modules(RDKAFKAXX REQUIRED IMPORTED_TARGET rdkafka++)
pkg_check_modules(LIBMARIADB REQUIRED IMPORTED_TARGET libmariadb)
pkg_check_modules(LIBUUID REQUIRED IMPORTED_TARGET uuid)

# CAF 0.17.6 ships neither a CMake config nor a .pc file.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY caf_core REQUIRED)
add_library(semiasync::caf INTERFACE IMPORTED)
target_include_directories(semiasync::caf SYSTEM INTERFACE ${CAF_INCLUDE_DIR})
target_link_libraries(semiasync::caf INTERFACE ${CAF_CORE_LIBRARY} Threads::Threads)

# mysql++ 3.2.5: headers and library found by hand; mysql.h comes from libmariadb.
find_path(MYSQLPP_INCLUDE_DIR mysql++/mysql++.h REQUIRED)
find_library(MYSQLPP_LIBRARY mysqlpp REQUIRED)
add_library(semiasync::mysqlpp INTERFACE IMPORTED)
target_include_directories(semiasync::mysqlpp SYSTEM INTERFACE ${MYSQLPP_INCLUDE_DIR})
target_link_libraries(semiasync::mysqlpp INTERFACE ${MYSQLPP_LIBRARY} PkgConfig::LIBMARIADB)

# OpenTelemetry C++ 1.19 from bookworm-backports. Its config also finds
# abseil, gRPC and protobuf (scripts/install-deps installs their -dev
# packages); link only through its targets, which define HAVE_ABSEIL and the
# ABI version its libraries were built with.
# Its config accepts only an exact version request, so the version is
# checked here instead.
find_package(opentelemetry-cpp CONFIG REQUIRED)
if(opentelemetry-cpp_VERSION VERSION_LESS 1.19)
  message(FATAL_ERROR "OpenTelemetry C++ >= 1.19 needed, found ${opentelemetry-cpp_VERSION}")
endif()
