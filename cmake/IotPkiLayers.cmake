# SPDX-License-Identifier: Apache-2.0
# pki_module(NAME GLOBS DEPS): an OBJECT library pki_NAME from the libpki/ sources
# matching GLOBS (";"-separated, "!path" excludes one file), linking pki_DEP PUBLIC for
# each of DEPS (modules declared before it: dependencies point down), or PRIVATE for a
# dep written "~dep": this module may use it, the modules above it may not (the
# registry factory hides its backends). Before it
# compiles, every `#include "module/..."` of its .cpp and .hpp files is checked against
# the modules it may see: itself, DEPS and theirs. Which module an include names comes
# from its path: store/sqlite/... is store_sqlite, store/open.hpp is store_open,
# otherwise the first folder.
set(PKI_MODULES "" CACHE INTERNAL "")

function(pki_module name globs deps)
  set(dir ${CMAKE_CURRENT_SOURCE_DIR})
  set(sources "")
  set(excluded "")
  foreach(g IN LISTS globs)
    if(g MATCHES "^!(.*)")
      list(APPEND excluded ${dir}/${CMAKE_MATCH_1})
    else()
      file(GLOB found CONFIGURE_DEPENDS ${dir}/${g})
      list(APPEND sources ${found})
    endif()
  endforeach()
  if(excluded)
    list(REMOVE_ITEM sources ${excluded})
  endif()
  # The module's headers: beside its sources.
  set(headers "")
  foreach(s IN LISTS sources)
    get_filename_component(base ${s} NAME_WE)
    get_filename_component(sdir ${s} DIRECTORY)
    file(GLOB h ${sdir}/${base}.hpp)
    list(APPEND headers ${h})
  endforeach()
  if(name STREQUAL "store")
    list(APPEND headers ${dir}/store/store.hpp)
  elseif(name STREQUAL "store_open")
    list(APPEND headers ${dir}/store/open.hpp)
  endif()
  file(GLOB extra CONFIGURE_DEPENDS ${dir}/${name}/*.hpp)
  list(APPEND headers ${extra})
  list(REMOVE_DUPLICATES headers)

  add_library(pki_${name} OBJECT ${sources})
  set(allowed ${name})
  set(visible ${name})
  foreach(d IN LISTS deps)
    set(scope PUBLIC)
    if(d MATCHES "^~(.*)")
      set(d ${CMAKE_MATCH_1})
      set(scope PRIVATE)
    endif()
    if(NOT TARGET pki_${d})
      message(FATAL_ERROR "libpki module ${name} builds on ${d}, which is not declared before it")
    endif()
    target_link_libraries(pki_${name} ${scope} pki_${d})
    list(APPEND allowed ${d} ${PKI_SEES_${d}})
    if(scope STREQUAL "PUBLIC")
      list(APPEND visible ${d} ${PKI_SEES_${d}})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES allowed)
  list(REMOVE_DUPLICATES visible)
  set(PKI_SEES_${name} ${visible} CACHE INTERNAL "")
  set(PKI_MODULES ${PKI_MODULES} ${name} CACHE INTERNAL "")

  set(stamp ${CMAKE_CURRENT_BINARY_DIR}/layers/${name}.ok)
  add_custom_command(OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} "-DMODULE=${name}" "-DALLOWED=${allowed}"
            "-DFILES=${sources};${headers}" "-DROOT=${dir}" "-DSTAMP=${stamp}"
            -P ${PROJECT_SOURCE_DIR}/cmake/IotPkiLayersCheck.cmake
    DEPENDS ${sources} ${headers} ${PROJECT_SOURCE_DIR}/cmake/IotPkiLayersCheck.cmake
    COMMENT "libpki: include direction of ${name}" VERBATIM)
  add_custom_target(pki_${name}_layers DEPENDS ${stamp})
  add_dependencies(pki_${name} pki_${name}_layers)
endfunction()
