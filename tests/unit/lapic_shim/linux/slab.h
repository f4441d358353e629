/* SPDX-License-Identifier: GPL-2.0-only */
#include "../lapic_shim.h"
