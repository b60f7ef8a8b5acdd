build-san/obj/src/net/connector.o: src/net/connector.c \
 include/retour/connector.h include/retour/store.h \
 include/retour/returns.h
include/retour/connector.h:
include/retour/store.h:
include/retour/returns.h:
