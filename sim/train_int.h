/* train_int.h: what train.c and train_ds.c share and nobody else sees. */
#ifndef USINE_TRAIN_INT_H
#define USINE_TRAIN_INT_H

#include "train.h"

/* The context's network, writable: a simulated step runs its flows on it (train_ds.c). */
net *tm_ctx_net_for_step(tm_ctx *c);

/* A field as the context's front end names it in messages ("--tp", "tp"). */
const char *tm_ctx_field_name(const tm_ctx *c, tm_field f);

#endif
