// The rooms' PJSIP configuration (pjsip_rooms.conf, included by asterisk-conf/pjsip.conf), made from the
// hotel's rooms (hotel.rooms) so that no endpoint is written by hand: per room an endpoint, an auth and
// an aor on the [room], [room-auth] and [room-aor] templates, with the message-lamp mailboxes of the
// engine's voicemail on the endpoint and the aor: the room's own (voicemail.mwiContext) and its
// front-desk lamp (voicemail.deskContext, src/voicemail/desk-lamps.ts); the lamp sums the two.

export interface RoomsConfOptions {
  /** The room extensions, in order (a RoomSet iterates them). */
  rooms: Iterable<string>;
  password: (room: string) => string;
  /** voicemail.mwiContext and voicemail.deskContext: mailboxes = <room>@<mwi>,<room>@<desk>. */
  mwiContext: string;
  deskContext: string;
  /** Comment lines at the top (without the leading "; "). */
  header?: string[];
}

export function roomsConf(o: RoomsConfOptions): string {
  const out: string[] = [
    ...(o.header ?? []).map((l) => `; ${l}`.trimEnd()),
    ...(o.header?.length ? [''] : []),
  ];
  for (const room of o.rooms) {
    if (!/^\d{1,10}$/.test(room)) throw new Error(`room "${room}" is not an extension`);
    const password = o.password(room);
    const mailboxes = `${room}@${o.mwiContext},${room}@${o.deskContext}`;
    // A password is written verbatim into the file: nothing that could end the line or start a comment.
    if (!/^[A-Za-z0-9._~@%+=:,/-]{8,128}$/.test(password))
      throw new Error(`the SIP password of room ${room} has characters a config file cannot hold`);
    out.push(
      `[${room}](room)`,
      `auth = ${room}-auth`,
      `aors = ${room}`,
      `callerid = "Room ${room}" <${room}>`,
      `mailboxes = ${mailboxes}`,
      `[${room}-auth](room-auth)`,
      `username = ${room}`,
      `password = ${password}`,
      `[${room}](room-aor)`,
      `mailboxes = ${mailboxes}`,
      '',
    );
  }
  return out.join('\n');
}
