// The whole array API: #include "tessera/array/all.h".
#pragma once
#include "tessera/array/array.h"
#include "tessera/array/creation.h"
#include "tessera/array/dlpack.h"
#include "tessera/array/dtype.h"
#include "tessera/array/elementwise.h"
#include "tessera/array/index.h"
#include "tessera/array/manipulation.h"
#include "tessera/array/operators.h"
#include "tessera/array/reductions.h"
#include "tessera/array/scalar.h"
#include "tessera/array/views.h"
