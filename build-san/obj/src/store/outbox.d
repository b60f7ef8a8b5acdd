build-san/obj/src/store/outbox.o: src/store/outbox.c \
 src/store/store_internal.h include/retour/store.h \
 include/retour/returns.h
src/store/store_internal.h:
include/retour/store.h:
include/retour/returns.h:
