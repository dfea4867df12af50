# Debian packages with CPack (DEB generator), one per install component:
#   libistmo0      runtime  libistmo.so.0 (C++) and libistmo-c.so.0 (C API)
#   libistmo-dev   dev      headers, link names, static library, CMake package, pkg-config files
#   istmo          cli      the istmo program, its manual pages (EN, ES) and bash completion
#   python3-istmo  python   the Python binding (ctypes over libistmo-c.so.0)
# Build them from a build tree with `cpack -G DEB` (docs/install.md); the test
# packages.debian_install (tests/packages/run.sh) builds, installs, uses and removes them.
# Versions come from the project version; run-time dependencies of the ELF files from
# dpkg-shlibdeps.

set(ISTMO_DEB_MAINTAINER "istmo maintainers <istmo@example.org>" CACHE STRING
  "Maintainer field of the Debian packages (set it to the real address when publishing them)")

# Files every Debian package carries in /usr/share/doc/<package>: copyright and (a native
# package) changelog.gz, made here from the project version.
set(_deb_doc ${PROJECT_BINARY_DIR}/debian-doc)
string(TIMESTAMP _deb_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
file(WRITE ${_deb_doc}/changelog
  "istmo (${PROJECT_VERSION}) unstable; urgency=medium\n\n"
  "  * istmo ${PROJECT_VERSION}, packaged from its source tree with CMake/CPack.\n\n"
  " -- ${ISTMO_DEB_MAINTAINER}  ${_deb_date}\n")
execute_process(COMMAND gzip -9nf ${_deb_doc}/changelog)
file(WRITE ${_deb_doc}/copyright
  "istmo: XML signatures, XAdES, e-invoices and RFC 3161 timestamps\n\n"
  "Copyright (C) 2025-2026 the istmo authors.\n"
  "License: no license has been declared for istmo yet; the source tree carries no license\n"
  " file. Until one is declared, these packages are for evaluation by the holders of the\n"
  " source.\n")
foreach(_pair runtime:libistmo0 dev:libistmo-dev cli:istmo python:python3-istmo)
  string(REPLACE ":" ";" _pair "${_pair}")
  list(GET _pair 0 _component)
  list(GET _pair 1 _package)
  install(FILES ${_deb_doc}/copyright ${_deb_doc}/changelog.gz
    DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${_package} COMPONENT ${_component})
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME istmo)
set(CPACK_PACKAGE_VENDOR "istmo")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${ISTMO_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
# Installed with DESTDIR into /usr, so that install(CODE) sees the real prefix (RPATH removal).
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev cli python)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${ISTMO_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://localhost/istmo")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Depends of the ELF files from dpkg-shlibdeps; our own libraries (not yet installed while
# packaging) are found in the build tree and named explicitly below.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR} ${PROJECT_BINARY_DIR}/bindings/c)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")

set(_same "(= ${PROJECT_VERSION})")

# The loader cache is refreshed by dpkg's ldconfig trigger (Debian policy 8.1.1).
file(WRITE ${_deb_doc}/triggers "activate-noawait ldconfig\n")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA ${_deb_doc}/triggers)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libistmo0)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "XML signatures and e-invoices: shared libraries
istmo signs and verifies XML documents (XMLDSig, XAdES baseline), validates
Panama DGI electronic invoices (rFE 1.00) and obtains RFC 3161 time-stamps,
with certificate status from CRLs and OCSP.
.
This package holds libistmo.so.0 (the C++ library) and libistmo-c.so.0 (the
stable C API, also used by the Python binding).")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libistmo-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libistmo0 ${_same}, libssl-dev (>= 3.0), libxml2-dev")
set(CPACK_COMPONENT_DEV_DESCRIPTION "XML signatures and e-invoices: development files
istmo signs and verifies XML documents (XMLDSig, XAdES baseline), validates
Panama DGI electronic invoices (rFE 1.00) and obtains RFC 3161 time-stamps.
.
This package holds the C++ and C headers, the static library, the CMake
package (find_package(istmo)) and the pkg-config files istmo and istmo-c.")

set(CPACK_DEBIAN_CLI_PACKAGE_NAME istmo)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_CLI_PACKAGE_DEPENDS "libistmo0 ${_same}")
set(CPACK_COMPONENT_CLI_DESCRIPTION "XML signatures and e-invoices: command-line tool
istmo signs and verifies XML documents (XMLDSig, XAdES baseline), validates
Panama DGI electronic invoices (rFE 1.00) in batches and obtains RFC 3161
time-stamps, with messages in Spanish and English.
.
This package holds the istmo program, its manual pages (English and Spanish)
and its bash completion.")

set(CPACK_DEBIAN_PYTHON_PACKAGE_NAME python3-istmo)
set(CPACK_DEBIAN_PYTHON_PACKAGE_SECTION python)
set(CPACK_DEBIAN_PYTHON_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_PYTHON_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_PYTHON_PACKAGE_DEPENDS "python3:any, libistmo0 (>= ${PROJECT_VERSION})")
set(CPACK_COMPONENT_PYTHON_DESCRIPTION "XML signatures and e-invoices: Python 3 binding
istmo signs and verifies XML documents (XMLDSig, XAdES baseline), validates
Panama DGI electronic invoices (rFE 1.00) and obtains RFC 3161 time-stamps.
.
This package holds the Python module istmo, a ctypes binding over the C API
of libistmo0.")

include(CPack)
