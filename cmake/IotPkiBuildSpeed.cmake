# SPDX-License-Identifier: Apache-2.0
# Build time. CLI11 (Debian 12: 2.1.2, header-only, no precompiled mode) puts its whole
# parser in every translation unit that defines a subcommand, and at -O3 generating that
# code again for each cmd_*.cpp was about half the CPU time of a clean Release build
# (14–20 s per file, 5 s of it parsing). A unity build compiles each CLI's sources as
# one translation unit, so CLI11's code is generated once per binary (iot-ca: 127 s of
# CPU as 7 files, 23 s as one). Nothing else changes: same flags, same sources; each
# source is still included as its own file, so diagnostics name it. Measured in
# docs/install.md ("Build time"). Precompiled headers were tried and made the build
# slower (a 400 MB Beast/Asio PCH costs more to load in the small files than it saves
# in the large ones, whose time goes to code generation, not parsing); the unit tests'
# small doctest + standard-library PCH below is another matter.
#
# Three more levers, measured in docs/benchmarks.md ("Build time"): Release is -O2, not
# CMake's -O3 (the level Debian builds its packages at; top-level CMakeLists.txt);
# Asio's and Beast's compiled parts are built once (BOOST_ASIO_SEPARATE_COMPILATION,
# BOOST_BEAST_SEPARATE_COMPILATION in gateway/CMakeLists.txt, gateway/boost_src.cpp)
# instead of in every gateway file; and the unit tests below.
#
# IOTPKI_UNITY_APPS=OFF compiles the files one by one again (e.g. to find a missing
# include, or when two subcommand files define the same helper in an anonymous
# namespace, which a unity build refuses: give one of them another name).
option(IOTPKI_UNITY_APPS "Compile each command-line tool's sources as one unit" ON)
if(IOTPKI_UNITY_APPS)
  foreach(t app_common iot-ca iot-provision iot-revoke iot-gateway)
    if(TARGET ${t})
      # Batch size 0: every source of the target in one unit.
      set_target_properties(${t} PROPERTIES UNITY_BUILD ON UNITY_BUILD_MODE BATCH
        UNITY_BUILD_BATCH_SIZE 0)
    endif()
  endforeach()
endif()

# The unit tests: their code is assertions and fixtures, run once per test run, so a
# Release build compiles them at -O1 (the libraries they test keep the Release flags),
# with doctest and the standard headers every test file includes precompiled once per
# binary. IOTPKI_FAST_TESTS=OFF builds them like the product again.
option(IOTPKI_FAST_TESTS "Compile the unit tests at -O1 with a precompiled doctest header" ON)
if(IOTPKI_FAST_TESTS)
  foreach(t test_support libpki_unit_tests gateway_unit_tests)
    if(TARGET ${t})
      target_compile_options(${t} PRIVATE $<$<CONFIG:Release>:-O1>)
    endif()
  endforeach()
  foreach(t libpki_unit_tests gateway_unit_tests)
    if(TARGET ${t})
      target_precompile_headers(${t} PRIVATE <doctest/doctest.h> <filesystem> <functional>
        <string> <string_view> <vector>)
    endif()
  endforeach()
endif()
