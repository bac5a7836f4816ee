export type UserId = string;
export type ChatroomId = string;
export type MessageId = string;
