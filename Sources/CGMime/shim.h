// A thin shim over GMime 3: its type checks are C macros Swift cannot call.
#ifndef TIDINGS_CGMIME_SHIM_H
#define TIDINGS_CGMIME_SHIM_H
#include <gmime/gmime.h>

static inline int tg_is_multipart(GMimeObject *o) { return GMIME_IS_MULTIPART(o); }
static inline int tg_is_part(GMimeObject *o) { return GMIME_IS_PART(o); }
static inline int tg_is_message_part(GMimeObject *o) { return GMIME_IS_MESSAGE_PART(o); }
static inline int tg_is_text_part(GMimeObject *o) { return GMIME_IS_TEXT_PART(o); }
static inline int tg_is_address_group(InternetAddress *a) { return INTERNET_ADDRESS_IS_GROUP(a); }
static inline int tg_is_address_mailbox(InternetAddress *a) { return INTERNET_ADDRESS_IS_MAILBOX(a); }
static inline GMimePart *tg_as_part(GMimeObject *o) { return GMIME_PART(o); }
static inline GMimeMultipart *tg_as_multipart(GMimeObject *o) { return GMIME_MULTIPART(o); }
static inline GMimeMessagePart *tg_as_message_part(GMimeObject *o) { return GMIME_MESSAGE_PART(o); }
static inline GMimeObject *tg_message_as_object(GMimeMessage *m) { return GMIME_OBJECT(m); }
static inline InternetAddressMailbox *tg_as_mailbox(InternetAddress *a) { return INTERNET_ADDRESS_MAILBOX(a); }
static inline InternetAddressGroup *tg_as_group(InternetAddress *a) { return INTERNET_ADDRESS_GROUP(a); }
static inline GMimeStreamMem *tg_as_stream_mem(GMimeStream *s) { return GMIME_STREAM_MEM(s); }
static inline void tg_unref(void *o) { if (o) g_object_unref(o); }
#endif
