/* The version Xenia reports through XENVER_version: Xen 4.17's interface. */
#ifndef XENIA_VERSION_H
#define XENIA_VERSION_H

#define XEN_VERSION_MAJOR   4
#define XEN_VERSION_MINOR   17
#define XEN_EXTRAVERSION    ".0-xenia"
#define XENIA_VERSION_STRING "0.1"

#endif
