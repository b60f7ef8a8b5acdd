build-san/obj/src/store/photo.o: src/store/photo.c include/retour/photo.h
include/retour/photo.h:
