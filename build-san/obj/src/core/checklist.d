build-san/obj/src/core/checklist.o: src/core/checklist.c \
 include/retour/checklist.h include/retour/returns.h
include/retour/checklist.h:
include/retour/returns.h:
